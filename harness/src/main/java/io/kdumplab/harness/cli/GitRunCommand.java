package io.kdumplab.harness.cli;

import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.report.RunReports;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.verdict.Verdicts;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.WaitTimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * One step of `git bisect run`: the user's build-and-install hook, then repro
 * trials until the commit is judged. Exit codes follow git exactly: 0 good,
 * 1 bad, 125 skip (the hook failed, or the infrastructure could not judge),
 * and 129 for anything that should stop the whole bisection (a usage error,
 * the harness's own bug at 128) — never 2..124 or 126/127 for non-verdicts,
 * which git would take as "bad".
 */
@Command(name = "git-run", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = GitRunCommand.ABORT,
        description = {"For `git bisect run`: run --prepare (build and install the checked-out source on the host),",
                "then repro trials: the first FAIL marks the commit bad; it is good after enough passes to rule out",
                "--min-repro-rate at --error-rate (1 pass when the failure is deterministic)."},
        footer = {"", "Exit codes: 0 good, 1 bad, 125 skip (prepare failed, or INFRA_ERROR/KDUMP_NOT_READY after retries),",
                "129 abort the bisection (usage or input error), 128 harness bug.",
                "", "Example:", "  git bisect start v6.7 v6.6 && git bisect run /path/to/harness.sh bisect git-run \\",
                "      --prepare 'make -j16 bindeb-pkg && scp ../linux-image-*.deb lab:/tmp && ssh lab dpkg -i /tmp/*.deb' -i lab.yaml"})
public final class GitRunCommand implements Callable<Integer> {
    static final int ABORT = 129;

    @Option(names = "--prepare", description = "shell command run in the current directory before the trials (build, install, reboot)")
    String prepare;
    @Option(names = "--prepare-timeout", defaultValue = "7200", description = "seconds for --prepare")
    int prepareTimeout;
    @Mixin BisectRateOptions rate = new BisectRateOptions();
    @Option(names = "--no-configure", description = "never change the boot configuration or reboot for kdump")
    boolean noConfigure;
    @Option(names = "--reports", defaultValue = "${env:HARNESS_REPORTS:-reports}")
    Path reports;
    @Option(names = {"-q", "--quiet"}) boolean quiet;
    @Mixin TargetOptions target = new TargetOptions();
    @Mixin ScenarioOptions scenario = new ScenarioOptions();
    @Mixin HostLeaseOptions lease = new HostLeaseOptions();

    @Override
    public Integer call() {
        try {
            return judge();
        } catch (ConfigurationException e) {
            System.err.println("error: " + e.describe() + "\n  (git-run exits " + ABORT + " so that git bisect stops)");
            return ABORT;
        } catch (InfrastructureException | WaitTimeoutException e) {
            System.err.println("infrastructure error: " + e.getMessage() + " (skip)");
            return ExitCodes.INFRA;
        } catch (HarnessException e) {
            System.err.println("error: " + e.describe());
            return ExitCodes.INTERNAL;
        }
    }

    private int judge() {
        if (rate.minReproRate <= 0 || rate.minReproRate > 1 || rate.errorRate <= 0 || rate.errorRate >= 0.5) {
            throw new ConfigurationException("--min-repro-rate must be in (0, 1] and --error-rate in (0, 0.5)",
                    "e.g. --min-repro-rate 0.3 --error-rate 0.05");
        }
        Scenario sc = scenario.build();
        TargetHost host = target.resolve(quiet);
        io.kdumplab.harness.run.PlanCheck.verify(host, sc, scenario.hangAfter());
        String commit = gitHead();
        try (HostLeaseOptions.Held held = lease.take(host, io.kdumplab.harness.lease.LeaseKind.BISECT, "git-run",
                commit == null ? io.kdumplab.harness.run.RunId.next(host.name(), java.time.Instant.now()) : "commit " + commit,
                Duration.ofSeconds(60), m -> {
                    if (!quiet) {
                        System.err.println("[hold] " + m);
                    }
                }).releasingOnShutdown(Duration.ofSeconds(60))) {
            return trials(host, sc, held);
        }
    }

    /** The commit git bisect checked out (for the host's claim), or null outside a git work tree. */
    private static String gitHead() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private int trials(TargetHost host, Scenario sc, HostLeaseOptions.Held held) {
        if (prepare != null) {
            // the hook installs and boots this commit's kernel: the host is held first
            held.fence().beforeOutage("the prepare hook", Duration.ofSeconds(1800));
            System.err.println("git-run: prepare: " + prepare);
            int rc = runPrepare(host);
            if (rc != 0) {
                System.err.println("git-run: prepare exited " + rc + ": this commit cannot be tested (skip, exit 125)");
                return ExitCodes.INFRA;
            }
        }
        int needed = io.kdumplab.harness.bisect.BisectSettings.passesToRuleOut(rate.minReproRate, rate.errorRate);
        int passes = 0;
        int unjudged = 0;
        while (true) {
            RunResult r;
            try (Progress progress = new Progress(quiet)) {
                ReproRun run = new ReproRun(host, sc, new ReproRun.Options(!noConfigure, scenario.hangAfter(), progress)
                        .withAfterRun(RunReports::write).withFence(held.fence()), reports);
                progress.attach(run);
                r = run.execute();
            }
            System.err.println("git-run: " + r.verdict + ": " + r.reason + " (run " + r.runId + ")");
            // the same rule as a bisection trial: judged, retried (skip at the end), or abort
            Verdicts.Trial t = Verdicts.forTrial(r.verdict, r.reason, r.target.kernel, null);
            switch (t.use()) {
                case JUDGED -> {
                    if (t.verdict() == Verdict.FAIL) {
                        System.err.println("git-run: bad (exit 1)");
                        return ExitCodes.FAIL;
                    }
                    passes++;
                    if (passes >= needed) {
                        System.err.println("git-run: good after " + passes + " passing trial(s) (exit 0)");
                        return ExitCodes.OK;
                    }
                }
                case RETRY -> {
                    unjudged++;
                    if (unjudged > rate.retries) {
                        System.err.println("git-run: " + unjudged + " trial(s) could not be judged: skip (exit 125)");
                        return ExitCodes.INFRA;
                    }
                }
                case ABORT -> {
                    // never 2 (git would call the commit bad): >127 stops git bisect run
                    int code = t.verdict() == Verdict.INCOMPLETE ? ExitCodes.INTERRUPTED : ExitCodes.INTERNAL;
                    System.err.println("git-run: " + t.verdict() + ": stopping the bisection (exit " + code + ")");
                    return code;
                }
            }
        }
    }

    private int runPrepare(TargetHost host) {
        // output goes to the terminal git bisect run shows; no stdin (the hook must not wait for a person)
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", prepare).inheritIO()
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("HARNESS_HOST", host.name());
        pb.environment().put("HARNESS_SSH", host.ssh().user() + "@" + host.ssh().host() + ":" + host.ssh().port());
        try {
            Process p = pb.start();
            if (!p.waitFor(prepareTimeout, java.util.concurrent.TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                System.err.println("git-run: prepare timed out after " + prepareTimeout + " s");
                return 124;
            }
            return p.exitValue();
        } catch (java.io.IOException e) {
            throw new ConfigurationException("cannot start --prepare: " + e.getMessage(), "check the command");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("prepare", "interrupted", "");
        }
    }
}
