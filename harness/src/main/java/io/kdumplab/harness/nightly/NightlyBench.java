package io.kdumplab.harness.nightly;

import io.kdumplab.harness.store.Database;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The engine layer alone at lab scale (`bench nightly`): N simulated hosts
 * (cells are fixed sleeps; PostgreSQL, db-scheduler and the leases are real)
 * driven from this JVM. Prints wall time against the ideal, heap, CPU per host,
 * and, with a second orchestrator JVM killed with -9 while it runs every host,
 * how long this one takes to take each host over.
 */
public final class NightlyBench {
    public record Figures(int hosts, int cellsPerHost, long cellMs, double wallSeconds, double idealSeconds, double cpuSeconds,
                          long heapPeakMb, double takeOverMedianS, double takeOverMaxS, int takenOver) {
        public String text() {
            return String.format(Locale.ROOT, "%d hosts x %d cells of %d ms from one JVM: wall %.1f s (ideal %.1f s, overhead %.1f s);"
                            + " CPU %.1f s = %.0f ms per host (%.2f ms per cell); heap peak %d MB%n"
                            + "take-over after kill -9 of the orchestrator running all %d hosts: %d taken over, median %.1f s, max %.1f s",
                    hosts, cellsPerHost, cellMs, wallSeconds, idealSeconds, wallSeconds - idealSeconds, cpuSeconds,
                    1000 * cpuSeconds / hosts, 1000 * cpuSeconds / (hosts * cellsPerHost), heapPeakMb, hosts, takenOver,
                    takeOverMedianS, takeOverMaxS);
        }
    }

    private NightlyBench() {}

    /**
     * @param worker starts a second orchestrator JVM (`nightly worker --simulate-cells ...`) against the same database
     */
    public static Figures run(Database db, Path dir, int hosts, int cells, long cellMs, NightlyEngine.Settings settings,
                              java.util.function.Function<Long, Process> worker, Consumer<String> log) throws Exception {
        StringBuilder inv = new StringBuilder("hosts:\n");
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= hosts; i++) {
            String h = String.format(Locale.ROOT, "bench-%03d", i);
            names.add(h);
            inv.append("  - {name: ").append(h).append(", lab: default}\n");
        }
        Files.writeString(dir.resolve("inv.yaml"), inv.toString());
        Path plan = dir.resolve("bench.yaml");
        Files.writeString(plan, "name: bench\ninventory: inv.yaml\nbudget: 2h\nrepeats: " + cells + "\nhosts: [" + String.join(", ", names)
                + "]\nkernels: [6.1.0-56-amd64]\nscenarios: [seed]\n");
        NightlyPlan p = PlanLoader.load(plan);
        Nightly nightly = new Nightly(db, m -> { });
        NightlyEngine.Settings wide = new NightlyEngine.Settings(settings.heartbeat(), settings.missedHeartbeats(), settings.leaseTtl(),
                settings.pollInterval(), hosts);

        // 1. one night, all hosts from this JVM
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        String night1 = nightly.enqueue(p, LocalDate.of(2026, 1, 1));
        long cpu0 = cpu();
        long t0 = System.nanoTime();
        try (NightlyEngine e = new NightlyEngine(db, List.of("default"), wide, nightly.runners(null, dir, Duration.ofMillis(cellMs), null),
                m -> { })) {
            e.scheduleHosts(night1);
            e.start();
            if (!e.awaitNight(night1, Duration.ofMinutes(30))) {
                throw new IllegalStateException("the benchmark night did not finish in 30 min");
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (cpu() - cpu0) / 1e9;
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heap += pool.getPeakUsage().getUsed();
            }
        }
        log.accept(String.format(Locale.ROOT, "night 1: %d cells in %.1f s", hosts * cells, wall));

        // 2. a second orchestrator runs every host with long cells; it dies; this JVM takes over
        String night2 = nightly.enqueue(p, LocalDate.of(2026, 1, 2));
        NightStore store = nightly.store();
        try (NightlyEngine scheduleOnly = new NightlyEngine(db, List.of("default"), wide, nightly.runners(null, dir, Duration.ofMillis(1), null),
                m -> { })) {
            scheduleOnly.scheduleHosts(night2);
        }
        Process other = worker.apply(120_000L);
        double[] takenAt = new double[hosts];
        int taken = 0;
        try {
            waitFor("the other orchestrator running every host", Duration.ofMinutes(5),
                    () -> store.attempts(night2).stream().filter(a -> a.state().equals("RUNNING")).count() >= hosts);
            try (NightlyEngine e = new NightlyEngine(db, List.of("default"), wide,
                    nightly.runners(null, dir, Duration.ofMillis(cellMs), null), m -> { })) {
                e.start();
                Thread.sleep(2000);
                other.destroyForcibly(); // SIGKILL
                long killed = System.nanoTime();
                java.util.Map<String, Integer> index = new java.util.HashMap<>();
                for (int i = 0; i < hosts; i++) {
                    index.put(names.get(i), i);
                }
                java.util.Arrays.fill(takenAt, -1);
                long deadline = killed + Duration.ofMinutes(5).toNanos();
                while (taken < hosts && System.nanoTime() < deadline) {
                    for (NightStore.AttemptRow a : store.attempts(night2)) {
                        if (a.state().equals("INTERRUPTED")) {
                            int i = index.get(a.cellKey().split("\\|")[0]);
                            if (takenAt[i] < 0) {
                                takenAt[i] = (System.nanoTime() - killed) / 1e9;
                                taken++;
                            }
                        }
                    }
                    Thread.sleep(250);
                }
                e.awaitNight(night2, Duration.ofMinutes(10));
            }
        } finally {
            other.destroyForcibly();
        }
        double[] got = java.util.Arrays.stream(takenAt).filter(x -> x >= 0).sorted().toArray();
        double median = got.length == 0 ? Double.NaN : got[got.length / 2];
        double max = got.length == 0 ? Double.NaN : got[got.length - 1];
        return new Figures(hosts, cells, cellMs, wall, cells * cellMs / 1000.0, cpu, heap / (1024 * 1024), median, max, taken);
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void waitFor(String what, Duration max, Supplier<Boolean> ok) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (ok.get()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("timed out waiting for " + what);
    }
}
