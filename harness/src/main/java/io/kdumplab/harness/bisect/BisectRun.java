package io.kdumplab.harness.bisect;

import io.kdumplab.harness.builds.BuildList;
import io.kdumplab.harness.builds.Build;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.report.RunReports;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.verdict.Verdicts;
import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.RemoteCommandException;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.RunLog;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.boot.BuildProblem;
import io.kdumplab.harness.device.boot.Provisioner;
import io.kdumplab.harness.util.Shutdown;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A bisection on one host: checks the endpoints, then lets the model pick
 * builds until one build (or a block around skipped builds) holds 1 - error
 * of the posterior. For each pick it puts the host on that build
 * ({@link BisectHost}) and runs one repro trial.
 *
 * Every event goes to the journal first; the model and the reports are
 * rebuilt from it, so a killed orchestrator resumes without repeating a
 * finished trial. INFRA_ERROR and KDUMP_NOT_READY trials are retried, then the
 * build is skipped; a build that fails to install or boot is skipped at once.
 * At the end, on an endpoint error and on Ctrl-C, the host gets its original
 * default boot entry back and boots the safe kernel.
 */
public final class BisectRun {
    /** How the bisection ended; the CLI maps it to an exit code. */
    public enum Status { RUNNING, FOUND, INCONCLUSIVE, ENDPOINT_ERROR, ABORTED }

    private final BuildList builds;
    private final TargetHost host;
    private final Scenario scenario;
    private final Path dir;
    private final BisectSettings settings;
    private final Consumer<String> progress;
    private final Journal journal;
    private final List<Journal.Entry> entries = new ArrayList<>();
    private RunLog log;
    private BisectModel model;
    private Journal.Start start;
    private BisectHost place;
    private int infraInARow;
    private volatile boolean restored;
    private Status status = Status.RUNNING;
    private String message;
    /** How long a first contact with the host may take for the bisection in `dir` (its journal decides). */
    public static Duration firstContact(Path dir, Duration bootTimeout) {
        return BisectHost.firstContact(dir, bootTimeout);
    }

    private volatile ReproRun currentRun;
    private Fence fence = Fence.NONE;

    public BisectRun(BuildList builds, TargetHost host, Scenario scenario, Path dir, BisectSettings settings, Consumer<String> progress) {
        this.builds = builds;
        this.host = host;
        this.scenario = scenario;
        this.dir = dir;
        this.settings = settings;
        this.progress = progress;
        this.journal = new Journal(dir.resolve("journal.jsonl"));
    }

    public Path dir() {
        return dir;
    }

    /** The host lease's check before every trial's NMI and power cycle (a host shared with nightly and repro). */
    public BisectRun withFence(Fence f) {
        this.fence = f;
        return this;
    }

    /** Runs (or resumes) the bisection to its end. Never leaves the host on a candidate build. */
    public BisectState run() {
        log = new RunLog(dir.resolve("bisect.log"), progress);
        List<String> warnings = new ArrayList<>();
        entries.addAll(journal.read(warnings));
        warnings.forEach(log::info);
        model = Journal.replay(entries, new BisectModel(builds.size(), settings.minReproRate(), settings.errorRate(),
                settings.costs()));
        // at shutdown after the trial's own restore (Shutdown orders them), before the hold is released
        Shutdown.Registration onInterrupt = Shutdown.register(Shutdown.Stage.MODE, "bisection restore",
                settings.bootTimeout().multipliedBy(3), this::restoreQuietly);
        place = new BisectHost(host, settings, dir, log, fence, entries, this::append);
        try (Device dev = place.firstContact()) {
            begin(place.provisioner(dev));
        }
        try {
            String endpointProblem = verifyEndpoints();
            if (endpointProblem != null) {
                finish(Status.ENDPOINT_ERROR, endpointProblem);
            } else {
                bisect();
            }
        } catch (HarnessException e) {
            log.info("bisection aborted: " + e.describe());
            status = Status.ABORTED;
            message = e.getMessage();
            append(Journal.Entry.event(Journal.Kind.DONE, null, null, status + ": " + message, 0));
            restoreQuietly();
            throw e;
        } finally {
            restoreQuietly();
            onInterrupt.close();
        }
        return write(status, message);
    }

    /** The first run writes "start" with the host's original boot setup; a resumed one must match it. */
    private void begin(Provisioner host0) {
        Journal.Start recorded = entries.stream().filter(e -> e.kind() == Journal.Kind.START).map(Journal.Entry::start)
                .findFirst().orElse(null);
        if (recorded == null) {
            String safe = settings.safeKernel() != null ? settings.safeKernel() : host0.running();
            start = new Journal.Start(builds.fingerprint(), builds.builds().stream().map(Build::name).toList(),
                    settings.minReproRate(), settings.errorRate(), host.name(), scenario.name(), safe, host0.captureBoot());
            append(Journal.Entry.start(start));
            log.info("bisecting " + builds.size() + " builds on " + host.name() + " (" + host0.family() + "): good "
                    + builds.get(0).label() + ", bad " + builds.get(builds.size() - 1).label() + "; safe kernel " + safe
                    + "; journal " + journal.file());
            return;
        }
        if (!recorded.buildsFingerprint().equals(builds.fingerprint()) || !recorded.host().equals(host.name())
                || recorded.minReproRate() != settings.minReproRate() || recorded.errorRate() != settings.errorRate()) {
            throw new ConfigurationException("the journal " + journal.file() + " belongs to another bisection (host "
                    + recorded.host() + ", builds " + recorded.builds() + ", min repro rate " + recorded.minReproRate()
                    + ", error rate " + recorded.errorRate() + ")",
                    "resume with the same builds and settings, or give a new --dir to start over");
        }
        start = recorded;
        long done = entries.stream().filter(e -> e.kind() == Journal.Kind.TRIAL).count();
        log.info("resuming the bisection in " + dir + ": " + done + " trial(s) already in the journal");
    }

    // ------------------------------------------------------------------ endpoints

    /** Null when both endpoints verify; else why the bisection cannot go on. */
    private String verifyEndpoints() {
        while (true) {
            EndpointCheck.Step step = EndpointCheck.next(entries, builds, settings);
            if (step.problem() != null) {
                return step.problem();
            }
            if (step.trialOn() == null) {
                log.info("endpoints verified: " + builds.get(0).label() + " passes, " + builds.get(builds.size() - 1).label() + " fails");
                return null;
            }
            trial(step.trialOn());
        }
    }

    // ------------------------------------------------------------------ the search

    private BisectState bisect() {
        int limit = settings.trialLimit(builds.size());
        while (!model.done()) {
            if (model.trials() >= limit) {
                return finish(Status.INCONCLUSIVE, "stopped at the trial limit (" + limit + (settings.maxTrials() > 0
                        ? ", --max-trials)" : ", derived from the repro rate and the error target; raise it with --max-trials)"));
            }
            double spent = machineSeconds();
            if (settings.budgetSeconds() > 0 && spent >= settings.budgetSeconds()) {
                return finish(Status.INCONCLUSIVE, String.format(java.util.Locale.ROOT,
                        "stopped at the machine-time budget (%.1f h spent of %.1f h, --budget)", spent / 3600,
                        settings.budgetSeconds() / 3600));
            }
            if (model.exhausted()) {
                return finish(Status.INCONCLUSIVE, "only skipped builds are left to test");
            }
            int k = model.next();
            trial(k);
        }
        return finish(Status.FOUND, null);
    }

    /** One repro trial on build k, with the host put on that build first. */
    private void trial(int k) {
        Build b = builds.get(k);
        try {
            place.ensureOn(b);
            ReproRun run = new ReproRun(host, scenario, new ReproRun.Options(true, settings.hangAfter(), progress)
                    .withAfterRun(RunReports::write).withFence(fence), dir.resolve("runs"));
            currentRun = run;
            log.info("trial on " + b.label() + ": run " + run.result().runId);
            append(Journal.Entry.event(Journal.Kind.REBOOTING, k, b.name(), "trial " + run.result().runId
                    + " (its panic reboots the host)", 0));
            RunResult r = run.execute();
            currentRun = null;
            if (r.reportsStorageFailure != null) {
                // the orchestrator's disk, not the build: the trial is repeated; the next run's plan check stops the
                // bisection (exit 2, journal intact) while the disk is still full, and the same command resumes it
                append(Journal.Entry.trial(k, b.name(), "INFRA_ERROR", r.runId, "orchestrator: " + r.reportsStorageFailure
                        + " (the run's own verdict was " + r.verdict + ", kept in " + r.fallbackDir + ")", null, 0));
                notJudged(k, "orchestrator: " + r.reportsStorageFailure);
                return;
            }
            Verdicts.Trial t = Verdicts.forTrial(r.verdict, r.reason, r.target.kernel, b.kernelRelease());
            String diagnosis = t.verdict() == Verdict.FAIL && r.diagnosis != null ? r.diagnosis.shortText() : null;
            append(Journal.Entry.trial(k, b.name(), t.verdict().name(), r.runId, t.reason(), diagnosis,
                    r.durationSeconds == null ? 0 : r.durationSeconds));
            log.info(b.label() + ": " + t.verdict() + " (" + t.reason() + (diagnosis == null ? "" : "; " + diagnosis) + ")");
            switch (t.use()) {
                case JUDGED -> {
                    model.observe(k, t.verdict() == Verdict.FAIL);
                    infraInARow = 0;
                    log.info(summary());
                }
                case RETRY -> notJudged(k, t.verdict() + ": " + t.reason());
                case ABORT -> throw abort(t);
            }
        } catch (BuildProblem e) {
            place.forgetBuild();
            skip(k, e.getMessage());
        } catch (InfrastructureException | WaitTimeoutException | RemoteCommandException e) {
            place.forgetBuild();
            append(Journal.Entry.trial(k, b.name(), "INFRA_ERROR", null, e.getMessage(), null, 0));
            notJudged(k, "INFRA_ERROR: " + e.getMessage());
        }
    }

    /** A trial that says the input, the harness or the user stopped things: the bisection stops too (resumable). */
    private static RuntimeException abort(Verdicts.Trial t) {
        return switch (t.verdict()) {
            case CONFIG_ERROR -> new ConfigurationException(t.reason(), "fix it and run the same command again to resume");
            case INCOMPLETE -> new CancelledException(t.reason());
            default -> new IllegalStateException("a trial ended with " + t.verdict() + ": " + t.reason());
        };
    }

    private void notJudged(int k, String why) {
        infraInARow++;
        if (infraInARow > 2 * (settings.retries() + 1)) {
            throw new InfrastructureException("bisect", infraInARow + " trials in a row could not be judged (last: " + why + ")",
                    "the host or the lab looks broken; fix it and run the same command again to resume");
        }
        long attempts = entries.stream().filter(e -> e.kind() == Journal.Kind.TRIAL && Integer.valueOf(k).equals(e.buildIndex())
                && !e.judged()).count();
        if (attempts > settings.retries()) {
            skip(k, attempts + " trial(s) could not be judged (last: " + why + ")");
        } else {
            log.info("retrying " + builds.get(k).label() + " (" + attempts + "/" + settings.retries() + " retries used)");
        }
    }

    private void skip(int k, String why) {
        append(Journal.Entry.event(Journal.Kind.SKIP, k, builds.get(k).name(), why, 0));
        log.info("skipping " + builds.get(k).label() + ": " + why);
        if (k > 0 && k < builds.size() - 1) {
            model.skip(k);
        }
    }

    // ------------------------------------------------------------------ the host

    /** Original default entry back, safe kernel booted. Idempotent; also the Ctrl-C path. */
    private synchronized void restoreQuietly() {
        if (restored || start == null || place == null) {
            return;
        }
        restored = true;
        ReproRun run = currentRun;
        if (run != null) {
            // in order: the run's own restore (its signal hook has cancelled it), then the bisection's, then the hold
            log.info("interrupted during run " + run.result().runId + "; it restores its own sysctls and modules first");
            if (!run.awaitDone(Duration.ofSeconds(60))) {
                log.info("run " + run.result().runId + " did not finish its restore within 60 s; restoring the boot setup anyway");
            }
        }
        try {
            place.restore(start);
        } catch (RuntimeException e) {
            log.info("could not restore the host's boot setup: " + e.getMessage()
                    + " — run `./harness.sh bisect restore` with the same --dir once the host answers");
        }
    }

    /** For `bisect restore`: put the host back after a bisection that was killed hard. */
    public void restoreOnly() {
        log = new RunLog(dir.resolve("bisect.log"), progress);
        entries.addAll(journal.read(new ArrayList<>()));
        start = entries.stream().filter(e -> e.kind() == Journal.Kind.START).map(Journal.Entry::start).findFirst()
                .orElseThrow(() -> new ConfigurationException("no bisection journal in " + dir, "give the --dir of a bisection"));
        place = new BisectHost(host, settings, dir, log, fence, entries, this::append);
        // the host must answer before anything is restored (within 60 s, or its boot time when it was rebooting)
        place.firstContact().close();
        restoreQuietly();
    }

    // ------------------------------------------------------------------ bookkeeping

    private void append(Journal.Entry e) {
        journal.append(e);
        entries.add(e);
        if (e.kind() != Journal.Kind.START) {
            write(status, message);
        }
    }

    private BisectState finish(Status end, String why) {
        status = end;
        message = why != null ? why : BisectState.answer(builds, model);
        append(Journal.Entry.event(Journal.Kind.DONE, null, null, status + ": " + message, 0));
        log.info(status + ": " + message);
        return write(status, message);
    }

    private BisectState write(Status status, String message) {
        BisectState s = BisectState.of(builds, entries, model, settings, host.name(), status, message);
        BisectReport.write(dir, s);
        return s;
    }

    private String summary() {
        double[] rate = model.reproRateInterval();
        String check = RateCheck.of(settings.minReproRate(), rate[0], rate[1]);
        return String.format(java.util.Locale.ROOT,
                "model: most likely first bad %s (%.1f%%), estimated repro rate %.0f%% (90%%: %.0f-%.0f%%), %d trial(s), %d build switch(es)",
                builds.get(model.best()).label(), 100 * model.confidence(), 100 * model.reproRate(), 100 * rate[0],
                100 * rate[1], model.trials(), model.switches()) + (check == null ? "" : "; " + check);
    }

    /** Machine time spent so far, measured: trials, installs and reboots from the journal. */
    private double machineSeconds() {
        return entries.stream().filter(e -> e.seconds() != null).mapToDouble(Journal.Entry::seconds).sum();
    }
}
