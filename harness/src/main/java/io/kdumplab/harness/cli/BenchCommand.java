package io.kdumplab.harness.cli;

import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.lab.LabSpec;
import io.kdumplab.harness.lab.VirtualLab;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks that print figures (never timed tests).",
                "  repro  the orchestrator's own overhead per run on the virtual lab: harness CPU time between the",
                "         trigger and SSH back, as a share of that panic-dump-reboot wall time (target <= 3%%);",
                "         and the spammer step's time per run (built on a kernel's first run, from the host's cache after).",
                "  nightly  the engine layer alone: --hosts simulated hosts (cells are sleeps; PostgreSQL, db-scheduler",
                "         and leases real) from one JVM: wall time, heap, CPU per host, take-over after kill -9.",
                "  scale  a lab-sized night: --hosts simulated hosts (default 1000) over --orchestrators JVMs (default 5,",
                "         512 MiB heap each) on one database, `harness serve` answering the hosts page and the API all night,",
                "         one orchestrator killed -9 part-way: cells/s, CPU and heap per orchestrator, database connections,",
                "         page and API response times (p50/p99), take-over time."})
public final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "what to measure: repro")
    String what;
    @Option(names = "--runs", defaultValue = "3", description = "repro runs (default: ${DEFAULT-VALUE})")
    int runs;
    @Option(names = "--lab", defaultValue = "bench", description = "virtual lab instance (default: ${DEFAULT-VALUE})")
    String lab;
    @Option(names = "--hosts", description = "nightly, scale: simulated hosts (default: 200 for nightly, 1000 for scale)")
    Integer hostsOption;
    int hosts;
    @Option(names = "--cells", defaultValue = "3", description = "nightly, scale: cells per host (default: ${DEFAULT-VALUE})")
    int cells;
    @Option(names = "--cell-ms", description = "nightly, scale: milliseconds per simulated cell (default: 5000 for nightly,"
            + " 20000 for scale)")
    Long cellMsOption;
    long cellMs;
    @Option(names = "--orchestrators", defaultValue = "5", description = "scale: orchestrator JVMs (default: ${DEFAULT-VALUE})")
    int orchestrators;

    /** The engine layer alone: a database of its own in the private cluster, this JVM and one worker JVM killed -9. */
    private int nightly() {
        try {
            var cluster = io.kdumplab.harness.store.PrivateCluster.local();
            cluster.ensureRunning();
            String url = cluster.createDatabase("bench");
            Path dir = java.nio.file.Files.createTempDirectory("nightly-bench");
            var settings = io.kdumplab.harness.nightly.NightlyEngine.Settings.DEFAULTS;
            var db = io.kdumplab.harness.store.Database.openPrivate(cluster, url, Math.min(hosts + 8, 60));
            try {
                var f = io.kdumplab.harness.nightly.NightlyBench.run(db, dir, hosts, cells, cellMs, settings, ms -> {
                    try {
                        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp", System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main", "nightly", "worker",
                                "--lab", "default", "--threads", String.valueOf(hosts), "--simulate-cells", String.valueOf(ms))
                                .redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile());
                        pb.environment().put("HARNESS_DB_URL", url);
                        pb.environment().put("HARNESS_DB_USER", io.kdumplab.harness.store.PrivateCluster.USER);
                        pb.environment().put("HARNESS_DB_PASSWORD_FILE", cluster.passwordFilePath().toString());
                        return pb.start();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, System.err::println);
                System.out.println(f.text());
                System.out.printf("engine settings: heartbeat %d s x %d misses, lease TTL %d s: take-over expected within %d s%n",
                        settings.heartbeat().toSeconds(), settings.missedHeartbeats(), settings.leaseTtl().toSeconds(),
                        settings.takeOverWithin().toSeconds());
            } finally {
                db.closeAndStopIfOurs();
            }
            return ExitCodes.OK;
        } catch (Exception e) {
            throw new IllegalStateException("bench nightly failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() {
        boolean scale = "scale".equals(what);
        hosts = hostsOption != null ? hostsOption : scale ? 1000 : 200;
        cellMs = cellMsOption != null ? cellMsOption : scale ? 20_000 : 5000;
        if ("nightly".equals(what)) {
            return nightly();
        }
        if (scale) {
            if (hosts < orchestrators || orchestrators < 2 || cells < 1 || cellMs < 100) {
                throw new io.kdumplab.harness.failure.ConfigurationException("bench scale needs --orchestrators >= 2, --hosts >= "
                        + "--orchestrators, --cells >= 1, --cell-ms >= 100", "e.g. bench scale --hosts 1000 --orchestrators 5");
            }
            try {
                Path dir = java.nio.file.Files.createTempDirectory("scale-bench");
                System.err.println("bench scale: logs and figures in " + dir);
                System.out.print(new ScaleBench(new ScaleBench.Settings(hosts, orchestrators, cells, cellMs, 0.25), dir).run());
                return ExitCodes.OK;
            } catch (Exception e) {
                throw new IllegalStateException("bench scale failed: " + e.getMessage(), e);
            }
        }
        if (!"repro".equals(what)) {
            throw new io.kdumplab.harness.failure.ConfigurationException("unknown benchmark '" + what + "'",
                    "use 'bench repro', 'bench nightly' or 'bench scale' (the lab's figures: 'lab bench')");
        }
        VirtualLab vl = new VirtualLab(LabPaths.fromEnvironment(), m -> System.err.println("[lab] " + m));
        boolean wasUp = vl.liveness(lab).up(); // a left-over lab is brought up like a missing one
        if (!wasUp) {
            vl.up(LabSpec.defaults(lab));
        }
        try {
            TargetHost host = Inventory.virtualLab(lab, "tcp").resolve("virtual-lab", vl.running());
            List<double[]> rows = new ArrayList<>();
            for (int i = 1; i <= runs; i++) {
                ReproRun run = new ReproRun(host, Scenario.seed(), ReproRun.Options.defaults(m -> { }).withAfterRun(io.kdumplab.harness.report.RunReports::write),
                        Path.of(System.getenv().getOrDefault("HARNESS_REPORTS", "reports"), "bench"));
                RunResult r = run.execute();
                final int n = i;
                // the spammer step: a build on the first run of a kernel, the host's module cache afterwards
                r.steps.stream().filter(x -> x.name.equals("spammer")).findFirst().ifPresent(x -> System.out.printf(
                        "run %d: spammer step %.1f s (%s)%n", n, x.durationMillis / 1000.0,
                        r.modules.stream().filter(m -> m.module().equals("printk_spammer")).findFirst()
                                .map(m -> m.cached() ? "module from the host's cache" : "module built in " + m.buildSeconds() + " s")
                                .orElse("?")));
                if (r.panicToSshBackSeconds == null) {
                    System.out.printf("run %d: %s (%s) - no panic window to measure%n", i, r.verdict, r.reason);
                    continue;
                }
                double share = 100 * r.harnessCpuSecondsInPanicWindow / r.panicToSshBackSeconds;
                rows.add(new double[] {r.panicToSshBackSeconds, r.harnessCpuSecondsInPanicWindow, share,
                        r.harnessCpuSeconds, r.durationSeconds});
                System.out.printf("run %d: %s, trigger->SSH back %.1f s, harness CPU in that window %.2f s = %.2f%%; "
                                + "whole run %.1f s, harness CPU %.2f s%n", i, r.verdict, r.panicToSshBackSeconds,
                        r.harnessCpuSecondsInPanicWindow, share, r.durationSeconds, r.harnessCpuSeconds);
            }
            double mean = rows.stream().mapToDouble(x -> x[2]).average().orElse(Double.NaN);
            double max = rows.stream().mapToDouble(x -> x[2]).max().orElse(Double.NaN);
            System.out.printf("orchestrator overhead: mean %.2f%%, max %.2f%% of the panic-dump-reboot time over %d runs "
                    + "(target <= 3%%)%n", mean, max, rows.size());
        } finally {
            if (!wasUp) {
                vl.down(lab);
            }
        }
        return ExitCodes.OK;
    }
}
