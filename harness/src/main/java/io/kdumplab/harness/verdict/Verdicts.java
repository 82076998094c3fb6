package io.kdumplab.harness.verdict;

import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.failure.KdumpNotReadyException;
import io.kdumplab.harness.failure.RemoteCommandException;

/**
 * The one place where verdicts are decided: from what a run observed
 * ({@link #judge}), from how it failed ({@link #ofFailure}), and for a
 * bisection trial, whether it may count against a build ({@link #forTrial}).
 * Repro, bisection and `git bisect run` all call these.
 */
public final class Verdicts {
    private Verdicts() {}

    /** What the evidence step found (nothing, a dump that is or is not readable, or one the tooling left incomplete). */
    public record Dump(String path, boolean readable, boolean incomplete) {
        public Dump(String path, boolean readable) {
            this(path, readable, false);
        }
    }

    /** The verdict rule of the seed talk: a readable vmcore from this run is a PASS, anything else a FAIL. */
    public static Judgement judge(Outcome outcome, Dump dump, Phase lastPhase, String trigger) {
        if (dump != null && dump.readable()) {
            return new Judgement(Verdict.PASS, "vmcore saved and readable: " + dump.path(), null);
        }
        if (dump != null && dump.incomplete()) {
            return new Judgement(Verdict.FAIL, "the capture kernel began saving the dump but did not finish: " + dump.path()
                    + " was left incomplete", null);
        }
        String last = lastPhase == null ? "none" : lastPhase.name();
        String reason = switch (outcome) {
            case HANG_RECOVERED -> "hang: the capture kernel did not start (last phase reached: " + last
                    + "); recovered by a BMC power cycle; no vmcore";
            case RESET_WITHOUT_CAPTURE -> "reset without vmcore: the host rebooted without starting the capture kernel";
            case REBOOTED_UNSEEN -> "reset without vmcore: the host rebooted (the console, interrupted, did not show the path)";
            case NO_PANIC -> "no panic: the host kept running after the " + trigger + " (are the NMI sysctls in effect?)";
            case CAPTURE_STARTED -> dump != null
                    ? "the capture kernel started but the saved dump is unreadable: " + dump.path()
                    : "the capture kernel started but no vmcore was saved";
        };
        return new Judgement(Verdict.FAIL, reason, null);
    }

    /** How a run that stopped with an exception is classed. Anything unknown is the harness's own bug. */
    public static Judgement ofFailure(Throwable t, String step) {
        if (t instanceof CancelledException c) {
            return new Judgement(Verdict.INCOMPLETE, c.getMessage(), step);
        }
        if (t instanceof KdumpNotReadyException k) {
            return new Judgement(Verdict.KDUMP_NOT_READY, k.getMessage(), step);
        }
        if (t instanceof InfrastructureException i) {
            return new Judgement(Verdict.INFRA_ERROR, i.getMessage(), step);
        }
        if (t instanceof RemoteCommandException r) {
            // a step should have classed it; if one did not, the host's software refused: still not the kernel's verdict
            return new Judgement(Verdict.INFRA_ERROR, "host: " + r.getMessage(), step);
        }
        if (t instanceof ConfigurationException c) {
            return new Judgement(Verdict.CONFIG_ERROR, c.getMessage() + (c.hint().isEmpty() ? "" : " (" + c.hint() + ")"), step);
        }
        return new Judgement(Verdict.HARNESS_ERROR, "harness bug: " + t, step);
    }

    /** What a bisection does with one trial. */
    public enum TrialUse {
        /** a verdict on the build */
        JUDGED,
        /** not a verdict: retry the build, then skip it */
        RETRY,
        /** stop the bisection: the input or the harness is wrong, or the user interrupted */
        ABORT
    }

    public record Trial(Verdict verdict, String reason, TrialUse use) {}

    /**
     * A trial counts against a build only when it judged the kernel and ran on
     * that build's kernel; a trial on another kernel is not judged.
     */
    public static Trial forTrial(Verdict verdict, String reason, String kernelRan, String expectedKernel) {
        if (verdict.judgesTheKernel() && expectedKernel != null && !expectedKernel.equals(kernelRan)) {
            return new Trial(Verdict.INFRA_ERROR, "the run found kernel " + kernelRan + " running, not " + expectedKernel,
                    TrialUse.RETRY);
        }
        TrialUse use = switch (verdict) {
            case PASS, FAIL -> TrialUse.JUDGED;
            case INFRA_ERROR, KDUMP_NOT_READY -> TrialUse.RETRY;
            case CONFIG_ERROR, HARNESS_ERROR, INCOMPLETE -> TrialUse.ABORT;
        };
        return new Trial(verdict, reason, use);
    }
}
