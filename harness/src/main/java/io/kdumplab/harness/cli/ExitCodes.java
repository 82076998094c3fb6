package io.kdumplab.harness.cli;

/**
 * Exit codes of every command. The repro verdicts keep git-bisect-run's
 * meaning (0 good, 1 bad, 125 skip); the tool's own failures are >= 128 so
 * that `git bisect run` aborts instead of marking a build bad. 126 and 127
 * are never used: git counts them as bad.
 */
public final class ExitCodes {
    private ExitCodes() {}

    /** Done; for repro: PASS (vmcore saved). */
    public static final int OK = 0;
    /** For repro: FAIL, the target did not save a vmcore. */
    public static final int FAIL = 1;
    /** Wrong usage or input (flags, inventory, scenario, missing package, port in use). */
    public static final int USAGE = 2;
    /** bisect run: no answer within the trial limit, or only skipped builds left. */
    public static final int INCONCLUSIVE = 3;
    /** Infrastructure error (SSH, BMC, console, lab processes) or a precondition such as KDUMP_NOT_READY. */
    public static final int INFRA = 125;
    /** Interrupted (Ctrl-C). */
    public static final int INTERRUPTED = 130;
    /** The harness's own bug. */
    public static final int INTERNAL = 128;
}
