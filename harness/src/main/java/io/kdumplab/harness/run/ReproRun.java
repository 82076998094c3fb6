package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.util.Shutdown;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.drivers.Devices;
import io.kdumplab.harness.device.ConsoleGap;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.verdict.Diagnosis;
import io.kdumplab.harness.verdict.Judgement;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.verdict.Verdicts;
import io.kdumplab.harness.wait.Clock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One repro run, the seed's experiment end to end, as a sequence of steps:
 * preflight -> kdump readiness -> sysctls -> [wedge] -> spammer -> trigger ->
 * outcome -> evidence -> verdict, then restore whatever happened.
 *
 * Each step is its own type with a name, a timeout and the component it
 * blames; the {@link StepRunner} bounds and classes them, the
 * {@link RunRecorder} is the one writer of result.json, and the verdict comes
 * from {@link Verdicts}. Ctrl-C / SIGTERM cancels: no step (above all no NMI)
 * starts after it, restore runs quickly, the result is INCOMPLETE.
 */
public final class ReproRun {
    /** How long a signal handler waits for the run to restore the host and write its result. */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(45);

    /**
     * How a run may act on the host.
     *
     * @param afterRun renders reports from the finished run directory (the caller's choice; runs before a
     *                 signal lets the JVM exit)
     */
    public record Options(boolean configure, Duration quietConsoleTimeout, Consumer<String> progress, Consumer<Path> afterRun,
                          Fence fence, NextBoot nextBoot) {
        public Options(boolean configure, Duration quietConsoleTimeout, Consumer<String> progress) {
            this(configure, quietConsoleTimeout, progress, dir -> { }, Fence.NONE, NextBoot.UNCHANGED);
        }

        public static Options defaults(Consumer<String> progress) {
            return new Options(true, Duration.ofSeconds(60), progress);
        }

        public Options withAfterRun(Consumer<Path> render) {
            return new Options(configure, quietConsoleTimeout, progress, render, fence, nextBoot);
        }

        /** The host lease's check before every NMI, sysrq-c and power cycle (nightly, shared hosts). */
        public Options withFence(Fence f) {
            return new Options(configure, quietConsoleTimeout, progress, afterRun, f, nextBoot);
        }

        /** Where the reboot after the crash goes (nightly: the next cell's kernel). */
        public Options withNextBoot(NextBoot n) {
            return new Options(configure, quietConsoleTimeout, progress, afterRun, fence, n);
        }
    }

    private final TargetHost host;
    private final Scenario scenario;
    private final Options options;
    private final Path dir;
    private final Device device;
    private final Clock clock;
    /** The machine a host's kdump sends dumps to, reached by SSH (a dump server is not the device under test). */
    private final DumpServers dumpServers = Devices::shellTo;
    private final RunResult result = new RunResult();
    private final CancelToken cancel = new CancelToken();
    private final CountDownLatch done = new CountDownLatch(1);
    private final RunRecorder recorder;
    private volatile StepRunner runner;

    public ReproRun(TargetHost host, Scenario scenario, Options options, Path reportsRoot) {
        this(host, scenario, options, reportsRoot, Devices.of(host), Clock.SYSTEM);
    }

    /** With the run id the caller chose (it names the run in the host's claim before the run starts). */
    public ReproRun(TargetHost host, Scenario scenario, Options options, Path reportsRoot, String runId) {
        this(host, scenario, options, reportsRoot, Devices.of(host), Clock.SYSTEM, runId);
    }

    /** With a given device and clock (unit tests use fakes). */
    public ReproRun(TargetHost host, Scenario scenario, Options options, Path reportsRoot, Device device, Clock clock) {
        this(host, scenario, options, reportsRoot, device, clock, RunId.next(host.name(), Instant.now()));
    }

    private ReproRun(TargetHost host, Scenario scenario, Options options, Path reportsRoot, Device device, Clock clock,
                     String runId) {
        this.host = host;
        this.scenario = scenario;
        this.options = options;
        this.device = device;
        this.clock = clock;
        result.runId = runId;
        this.dir = reportsRoot.resolve(result.runId);
        this.recorder = new RunRecorder(result, dir.resolve("result.json"), cancel);
    }

    public Path dir() {
        return dir;
    }

    public RunResult result() {
        return result;
    }

    /** Waits (bounded) until the run has ended, its restore included; true if it has. */
    public boolean awaitDone(Duration max) {
        try {
            return done.await(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops the run between steps (or interrupts the running one); restore still runs. */
    public void cancel(String why) {
        cancel.cancel(why);
        StepRunner r = runner;
        if (r != null) {
            r.interruptCurrent();
        }
    }

    /**
     * Runs the experiment. Checks the plan first (a ConfigurationException,
     * nothing touched); after that never throws: the verdict says what happened.
     */
    public RunResult execute() {
        List<String> warnings = PlanCheck.verify(host, scenario, options.quietConsoleTimeout());
        PlanCheck.requireFreeSpace(dir.getParent(), ReportsStorage.MIN_FREE_BYTES);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the run directory " + dir, e);
        }
        options.fence().announce(result.runId, dir);
        RunLog log = new RunLog(dir.resolve("harness.log"), options.progress());
        UndoLog undo = new UndoLog();
        RunContext ctx = new RunContext(host, scenario, options, dir, device, recorder, log, clock, cancel, undo);
        StepRunner steps = new StepRunner(ctx, device::cutLinks);
        runner = steps;
        // first at shutdown: the run restores the host before the mode's restore and the hold's release
        Shutdown.Registration onSignal = Shutdown.register(Shutdown.Stage.RUN, "run " + result.runId, SHUTDOWN_WAIT, () -> {
            cancel("interrupted (SIGINT/SIGTERM)");
            try {
                done.await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException ignored) {
                // the JVM goes down now
            }
        });
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        recorder.update(r -> {
            r.startedAt = Instant.now();
            r.orchestrator = io.kdumplab.harness.util.ProcessIdentity.of(ProcessHandle.current().pid())
                    .map(p -> new RunResult.Orchestrator(RunState.machine(), p.pid(), p.startTicks(), p.bootId())).orElse(null);
            recordInputs(r);
            warnings.forEach(w -> r.notes.add("warning: " + w));
        });
        log.info("run " + result.runId + " on " + host.name() + ": " + scenario.name() + " (reports in " + dir + ")");
        try {
            HostFacts facts = steps.run(new Preflight(dumpServers));
            facts = steps.run(new KdumpReadiness(facts));
            if (options.nextBoot() != NextBoot.UNCHANGED) {
                steps.run(new ArmNextBoot());
            }
            steps.run(new ApplySysctls());
            if (scenario.wedge().enabled()) {
                steps.run(LoadModule.wedge(scenario.wedge(), facts));
            }
            if (scenario.spammer().enabled()) {
                steps.run(LoadModule.spammer(scenario.spammer(), facts));
            }
            TriggerPoint trigger = steps.run(new Trigger());
            WatchOutcome.Watched watched = steps.run(new WatchOutcome(trigger));
            Optional<RunResult.Evidence> evidence = steps.run(new CollectEvidence(trigger, facts, dumpServers));
            if (trigger.eventLogMark() != null) {
                try {
                    steps.run(new ReadEventLog(trigger.eventLogMark()));
                } catch (io.kdumplab.harness.failure.InfrastructureException e) {
                    // the BMC's log is evidence beside the verdict, never a condition of it
                    recorder.note("the BMC's event log could not be read after the run: " + e.getMessage());
                }
            }
            Judgement j = Verdicts.judge(watched.outcome(), evidence.map(e -> new Verdicts.Dump(e.vmcorePath,
                    Boolean.TRUE.equals(e.readable), Boolean.TRUE.equals(e.incomplete))).orElse(null), recorder.read(r -> r.lastPhase), recorder.read(r -> r.trigger));
            if (j.verdict() == Verdict.FAIL) {
                // where the panic path stopped and why: in fields of its own (result.json, journals and the night
                // store carry it beside the reason)
                Diagnosis d = recorder.read(r -> FailureDiagnosis.of(r, device.console(), trigger, watched));
                recorder.update(r -> r.diagnosis = d);
                log.info("diagnosis: " + d.summary() + (d.cause() == null ? "" : "; " + d.cause())
                        + (d.remedy() == null ? "" : "\n  -> " + d.remedy()));
            }
            recorder.verdict(j);
            log.info("verdict: " + j.verdict() + " (" + j.reason() + ")");
        } catch (Throwable t) {
            Judgement j = Verdicts.ofFailure(t, steps.currentStep());
            recorder.verdict(j);
            log.info(j.verdict() + " in step " + steps.currentStep() + ": " + j.reason());
            if (j.verdict() == Verdict.HARNESS_ERROR) {
                log.info("harness bug (please report it with harness.log): " + stackTrace(t));
            }
        } finally {
            restore(steps, log);
            finish(log, t0, cpu0);
            done.countDown();
            onSignal.close();
        }
        return result;
    }

    private void restore(StepRunner steps, RunLog log) {
        boolean quick = cancel.cancelled();
        Restore step = new Restore(quick);
        try {
            steps.runCleanup(step, step.timeout(null));
        } catch (RuntimeException e) {
            recorder.update(r -> r.hostBackInService = false);
            log.info("restore failed: " + e.getMessage());
        }
    }

    private void finish(RunLog log, long t0, long cpu0) {
        device.console().ifPresent(console -> {
            console.close();
            recorder.update(r -> {
                r.console.bytes = console.bytes();
                r.console.lines = console.lineCount();
                r.console.droppedMessages = console.droppedMessages();
                r.console.spammerLines = console.lines().stream()
                        .filter(l -> Phase.SPAMMER_ON.pattern().matcher(l.text()).find()).count();
                for (ConsoleGap g : console.gaps()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("from", Instant.ofEpochMilli(g.startEpochMillis()).toString());
                    m.put("to", Instant.ofEpochMilli(g.endEpochMillis()).toString());
                    m.put("seconds", g.millis() / 1000.0);
                    m.put("cause", g.cause());
                    r.console.gaps.add(m);
                }
            });
        });
        // the console as the run kept it in memory: the fallback's console.log when the run directory is full
        String consoleText = recorder.storage().failure().isPresent() ? device.console().map(c -> {
            StringBuilder b = new StringBuilder();
            c.lines().forEach(l -> b.append(l.text()).append('\n'));
            return b.toString();
        }).orElse(null) : null;
        device.close();
        recorder.update(r -> {
            r.harnessCpuSeconds = (processCpuNanos() - cpu0) / 1e9;
            r.finishedAt = Instant.now();
            r.durationSeconds = (System.nanoTime() - t0) / 1e9;
            r.status = cancel.cancelled() ? "interrupted" : "finished";
            if (r.verdict == null) {
                r.verdict = Verdict.HARNESS_ERROR;
                r.reason = "harness bug: the run ended without a verdict";
            }
        });
        Optional<String> storageFailure = recorder.storage().failure();
        if (storageFailure.isPresent()) {
            writeFallback(log, storageFailure.get(), consoleText);
            log.close();
            return;
        }
        try {
            options.afterRun().accept(dir);
        } catch (RuntimeException e) {
            log.info("reports could not be rendered: " + e + " (rebuild with './harness.sh report " + dir + "')");
        }
        log.info("result: " + dir.resolve("result.json") + ", report: " + dir.resolve("index.html"));
        log.close();
    }

    /** The run directory could not be written: the whole result (verdict included) goes to the fallback directory. */
    private void writeFallback(RunLog log, String why, String console) {
        Path fallback = ReportsStorage.fallbackDir(result.runId);
        recorder.update(r -> {
            r.reportsStorageFailure = why;
            r.fallbackDir = fallback.toString();
        });
        try {
            recorder.read(r -> recorder.storage().writeFallback(r, console));
            log.info("the run directory " + dir + " could not be written (" + why + "); verdict " + result.verdict
                    + "; result.json and console.log written to " + fallback);
        } catch (RuntimeException e) {
            log.info("the run directory " + dir + " could not be written (" + why + ") and neither could the fallback "
                    + fallback + " (" + e.getMessage() + "); verdict " + result.verdict + ": " + result.reason);
        }
    }

    private void recordInputs(RunResult r) {
        r.inputs.put("host", host.name());
        r.inputs.put("ssh", host.ssh().describe());
        r.inputs.put("ssh_host_key", host.ssh().hostKeyFingerprint() != null ? host.ssh().hostKeyFingerprint()
                : "known_hosts " + host.ssh().knownHosts());
        r.inputs.put("bmc", host.bmc().describe());
        r.inputs.put("bmc_password_source", host.bmc().password().source());
        r.inputs.put("console", host.console().describe());
        r.inputs.put("crashkernel", host.crashkernel());
        r.inputs.put("configure", options.configure());
        r.inputs.put("scenario", scenario);
        r.spammer = scenario.spammer();
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    static long processCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    /** The step running now, if any (for progress displays). */
    public Optional<StepRecord> runningStep() {
        return recorder.runningStep();
    }

    /** Phases seen so far. */
    public List<Phase> phasesSeen() {
        return recorder.phasesSeen();
    }
}
