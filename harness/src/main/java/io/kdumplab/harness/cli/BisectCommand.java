package io.kdumplab.harness.cli;

import io.kdumplab.harness.bisect.BisectRun;
import io.kdumplab.harness.bisect.BisectSettings;
import io.kdumplab.harness.bisect.BisectModel;
import io.kdumplab.harness.bisect.BisectSimulation;
import io.kdumplab.harness.bisect.BisectState;
import io.kdumplab.harness.builds.BuildList;
import io.kdumplab.harness.bisect.Journal;
import io.kdumplab.harness.bisect.JournalView;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.failure.ConfigurationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "bisect", mixinStandardHelpOptions = true,
        description = {"Find the first bad kernel build of an intermittent NMI/kdump failure in few machine-hours.",
                "Builds are installed on the host as an admin would (apt/dnf, GRUB/grubby), booted, checked with uname -r,",
                "then tested by repro trials chosen by a sequential Bayesian model of the repro rate."},
        subcommands = {BisectCommand.Run.class, BisectCommand.Status.class, BisectCommand.Log.class, BisectCommand.Replay.class,
                BisectCommand.Restore.class, GitRunCommand.class, BisectCommand.Simulate.class},
        footer = {"", "Examples:",
                "  ./harness.sh lab demo-builds --out /tmp/builds           three real Debian kernel builds, regression in the 2nd",
                "  ./harness.sh bisect run --builds /tmp/builds --min-repro-rate 1",
                "  ./harness.sh bisect status --dir reports/bisect-builds-virtual-lab",
                "  git bisect run ./harness.sh bisect git-run --prepare ./build-and-install.sh"})
public final class BisectCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where a bisection keeps its journal and reports; the same command finds the same place again. */
    static Path defaultDir(Path reports, Path builds, String host) {
        String name = builds.toAbsolutePath().normalize().getFileName() + "-" + host;
        return reports.resolve("bisect-" + name.replaceAll("[^A-Za-z0-9_.+-]", "_"));
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Bisect an ordered list of builds on one host; resumes from the journal when run again.",
                    "Exit: 0 first bad build found, 3 inconclusive (trial limit or only skipped builds left),",
                    "2 input error or endpoints that do not verify, 125 infrastructure, 130 interrupted."})
    static final class Run implements Callable<Integer> {
        @Option(names = "--builds", required = true, description = "directory of builds (one subdirectory or package file each) or a YAML manifest")
        Path builds;
        @Option(names = "--good", description = "known good build (name or kernel release; default: the first)")
        String good;
        @Option(names = "--bad", description = "known bad build (default: the last)")
        String bad;
        @Mixin BisectRateOptions rate = new BisectRateOptions();
        @Option(names = "--max-trials", defaultValue = "0",
                description = "stop (inconclusive) after this many judged trials (default: derived from the rate and --error-rate)")
        int maxTrials;
        @Option(names = "--budget", description = "stop (inconclusive) once this much machine time is spent, e.g. 12h, 90m, 3600s")
        String budget;
        @Mixin CostOptions costs = new CostOptions();
        @Mixin HostLeaseOptions lease = new HostLeaseOptions();
        @Option(names = "--good-trials", defaultValue = "1", description = "passing trials that verify the good endpoint")
        int goodTrials;
        @Option(names = "--safe-kernel", description = "kernel release the host boots at the end (default: the one running at the start)")
        String safeKernel;
        @Option(names = "--install-timeout", defaultValue = "1800", description = "seconds for installing one build")
        int installTimeout;
        @Option(names = "--boot-timeout", defaultValue = "600", description = "seconds for a reboot into a build")
        int bootTimeout;
        @Option(names = "--dir", description = "journal and reports (default: <reports>/bisect-<builds>-<host>)")
        Path dir;
        @Option(names = "--reports", defaultValue = "${env:HARNESS_REPORTS:-reports}")
        Path reports;
        @Option(names = {"-q", "--quiet"}) boolean quiet;
        @Mixin TargetOptions target = new TargetOptions();
        @Mixin ScenarioOptions scenario = new ScenarioOptions();

        @Override
        public Integer call() {
            BuildList all = BuildList.load(builds);
            int g = good == null ? 0 : all.indexOf(good, "--good");
            int b = bad == null ? all.size() - 1 : all.indexOf(bad, "--bad");
            BuildList list = all.slice(g, b);
            BisectSettings settings = new BisectSettings(rate.minReproRate, rate.errorRate, rate.retries, maxTrials, goodTrials,
                    safeKernel, Duration.ofSeconds(installTimeout), Duration.ofSeconds(bootTimeout), scenario.hangAfter(),
                    costs.costs(), budget == null ? 0 : budgetSeconds(budget));
            var sc = scenario.build();
            TargetHost host = target.resolve(quiet);
            Path d = dir != null ? dir : defaultDir(reports, builds, host.name());
            io.kdumplab.harness.run.PlanCheck.verify(host, sc, scenario.hangAfter());
            BisectState s;
            try (HostLeaseOptions.Held held = lease.take(host, io.kdumplab.harness.lease.LeaseKind.BISECT, "bisect",
                    d.getFileName().toString(), BisectRun.firstContact(d, settings.bootTimeout()), m -> {
                        if (!quiet) {
                            System.err.println("[hold] " + m);
                        }
                    }).releasingOnShutdown(settings.bootTimeout().plusMinutes(2))) {
                s = new BisectRun(list, host, sc, d, settings, line -> {
                    if (!quiet) {
                        System.err.println(line);
                    }
                }).withFence(held.fence()).run();
            }
            System.out.println(s.status() + ": " + s.message());
            System.out.println("report: " + d.resolve("index.html"));
            return switch (s.status()) {
                case "FOUND" -> ExitCodes.OK;
                case "ENDPOINT_ERROR" -> ExitCodes.USAGE;
                default -> ExitCodes.INCONCLUSIVE;
            };
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Where a bisection stands (from its journal; no host needed).")
    static final class Status implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "the bisection's directory") Path dir;

        @Override
        public Integer call() {
            JournalView v = JournalView.open(dir.resolve("journal.jsonl"));
            System.out.print(v.statusText());
            return ExitCodes.OK;
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "The journal, one line per event, as `git bisect log` shows it.")
    static final class Log implements Callable<Integer> {
        @Option(names = "--dir", required = true) Path dir;

        @Override
        public Integer call() {
            System.out.print(JournalView.open(dir.resolve("journal.jsonl")).logText());
            return ExitCodes.OK;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Recompute the answer from a journal (for example one with a distrusted trial deleted) and",
                    "write its reports; no host needed. Like `git bisect replay`, the journal is the input."})
    static final class Replay implements Callable<Integer> {
        @Parameters(index = "0", description = "journal.jsonl") Path journal;
        @Option(names = "--out", description = "directory for the recomputed reports (default: print only)") Path out;

        @Override
        public Integer call() {
            JournalView v = JournalView.open(journal);
            if (out != null) {
                v.writeReports(out);
                System.out.println("reports: " + out.resolve("index.html"));
            }
            System.out.print(v.statusText());
            return ExitCodes.OK;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Give the host its original default boot entry and boot the safe kernel (after a bisection killed hard).")
    static final class Restore implements Callable<Integer> {
        @Option(names = "--dir", required = true) Path dir;
        @Option(names = "--boot-timeout", defaultValue = "600") int bootTimeout;
        @Mixin TargetOptions target = new TargetOptions();
        @Mixin HostLeaseOptions lease = new HostLeaseOptions();

        @Override
        public Integer call() {
            JournalView v = JournalView.open(dir.resolve("journal.jsonl"));
            Journal.Start st = v.start();
            BisectSettings settings = new BisectSettings(st.minReproRate(), st.errorRate(), 0, 0, 0, st.safeKernel(),
                    Duration.ofSeconds(60), Duration.ofSeconds(bootTimeout), Duration.ofSeconds(60));
            TargetHost host = target.resolve(false);
            try (HostLeaseOptions.Held held = lease.take(host, io.kdumplab.harness.lease.LeaseKind.BISECT, "bisect-restore",
                    dir.getFileName().toString(), BisectRun.firstContact(dir, settings.bootTimeout()),
                    m -> System.err.println("[hold] " + m)).releasingOnShutdown(Duration.ofSeconds(bootTimeout).plusMinutes(2))) {
                new BisectRun(v.builds(), host, io.kdumplab.harness.run.Scenario.seed(), dir, settings,
                        System.err::println).withFence(held.fence()).restoreOnly();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "simulate", mixinStandardHelpOptions = true,
            description = {"Benchmark of the bisection statistics alone (seeded): many bisections over N builds for each",
                    "true repro rate and each stated rate (true x multiplier); error, trials, build switches and machine",
                    "time of the adaptive model, of ktest's fixed N per build at equal error, and of the known-rate ideal;",
                    "then the same with a share of the builds untestable, the same rule told the true rate (its own limit),",
                    "and pairs beyond the grid (e.g. 100%% stated for a bug that passes one time in ten, low rates)."})
    static final class Simulate implements Callable<Integer> {
        /** {true, stated} pairs beyond the grid: 100% stated for bugs that sometimes pass, rates stated far too high, low rates. */
        static final double[][] BEYOND_THE_GRID = {{0.5, 1}, {0.8, 1}, {0.9, 1}, {0.45, 0.9}, {0.3, 1}, {0.2, 0.6}, {0.15, 0.3},
                {0.15, 0.15}, {0.1, 0.2}, {0.1, 0.1}};
        @Option(names = "--builds", defaultValue = "64") int builds;
        @Option(names = "--bisections", defaultValue = "2000") int bisections;
        @Option(names = "--rates", defaultValue = "0.3,0.6,1.0", split = ",", description = "true repro rates")
        double[] rates;
        @Option(names = "--stated", defaultValue = "0.5,1,2", split = ",",
                description = "stated rate = true rate x each of these (above 100%% left out)")
        double[] multipliers;
        @Option(names = "--error-rate", defaultValue = "0.02", description = "acceptable probability of naming the wrong build")
        double errorRate;
        @Option(names = "--skipped", defaultValue = "0.25", description = "share of untestable builds in the skip run")
        double skipped;
        @Option(names = "--seed", defaultValue = "42") long seed;
        @Mixin CostOptions costs = new CostOptions();

        @Override
        public Integer call() {
            for (double r : rates) {
                if (!(r > 0) || r > 1) {
                    throw new ConfigurationException("--rates: " + r + " is not a repro rate", "rates in (0, 1], e.g. 0.3,0.6,1.0");
                }
            }
            BisectModel.Costs c = costs.costs();
            System.out.printf("%d bisections over %d builds per line; seed %d%n", bisections, builds, seed);
            System.out.print(BisectSimulation.table(BisectSimulation.run(builds, bisections, rates, multipliers, errorRate, c, seed), c));
            System.out.print(BisectSimulation.skipTable(builds, bisections, rates, skipped, errorRate, c, seed));
            System.out.print(BisectSimulation.knownRateTable(builds, bisections, rates, errorRate, c, seed));
            System.out.print(BisectSimulation.beyondTheGridTable(builds, bisections, BEYOND_THE_GRID, errorRate, c, seed));
            return ExitCodes.OK;
        }
    }

    /** "12h", "90m", "3600s" or plain seconds. */
    static double budgetSeconds(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([hms]?)").matcher(text.trim());
        if (!m.matches() || Double.parseDouble(m.group(1)) <= 0) {
            throw new ConfigurationException("--budget: '" + text + "' is not a duration", "e.g. --budget 12h, --budget 90m, --budget 3600s");
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "h" -> v * 3600;
            case "m" -> v * 60;
            default -> v;
        };
    }

    /** The cost model's figures, shared by run and simulate. */
    static final class CostOptions {
        @Option(names = "--trial-seconds", defaultValue = "115", description = "machine time of one repro trial (default: measured on the lab)")
        double trialSeconds;
        @Option(names = "--switch-seconds", defaultValue = "95", description = "machine time of putting the host on another build (reboot)")
        double switchSeconds;
        @Option(names = "--install-seconds", defaultValue = "45", description = "machine time of a build's first install")
        double installSeconds;

        BisectModel.Costs costs() {
            if (!(trialSeconds > 0) || switchSeconds < 0 || installSeconds < 0) {
                throw new ConfigurationException("--trial-seconds must be > 0, --switch-seconds and --install-seconds >= 0",
                        "e.g. --trial-seconds 115 --switch-seconds 95 --install-seconds 45 (the lab's measured figures)");
            }
            return new BisectModel.Costs(trialSeconds, switchSeconds, installSeconds);
        }
    }
}
