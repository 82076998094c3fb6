package io.kdumplab.harness.cli;

import io.kdumplab.harness.nightly.Nightly;
import io.kdumplab.harness.nightly.NightlyEngine;
import io.kdumplab.harness.nightly.NightlyPlan;
import io.kdumplab.harness.nightly.PlanLoader;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.store.PrivateCluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `bench scale`: a lab-sized night as a site would run it. N simulated hosts (cells sleep; PostgreSQL, db-scheduler,
 * leases, fencing and the history are real) over several orchestrator JVMs (`nightly worker`, each capped at 512 MiB
 * of heap) on one database, with `harness serve` answering the hosts page and the API all night long; one orchestrator
 * killed -9 part-way. Figures: cells per second, CPU and heap per orchestrator, database connections, the page's and
 * the API's response times, the take-over of the killed orchestrator's hosts.
 */
final class ScaleBench {
    static final String WORKER_HEAP = "-Xmx512m";
    private static final Pattern GC = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    record Settings(int hosts, int orchestrators, int cells, long cellMs, double killAtShare) {}

    private final Settings s;
    private final Path dir;
    private final List<Process> workers = new ArrayList<>();
    private Process server;

    ScaleBench(Settings s, Path dir) {
        this.s = s;
        this.dir = dir;
    }

    /** Runs the night and prints the figures; returns them as text (also written to dir/figures.txt). */
    String run() throws Exception {
        PrivateCluster cluster = PrivateCluster.local();
        cluster.ensureRunning();
        String url = cluster.createDatabase("scale");
        Database db = Database.openPrivate(cluster, url, 8);
        try {
            String night = enqueue(db);
            Map<String, String> env = Map.of("HARNESS_DB_URL", url, "HARNESS_DB_USER", PrivateCluster.USER,
                    "HARNESS_DB_PASSWORD_FILE", cluster.passwordFilePath().toString());
            int threads = (s.hosts() + s.orchestrators() - 1) / s.orchestrators() + 16;
            for (int i = 0; i < s.orchestrators(); i++) {
                workers.add(start(env, dir.resolve("worker-" + i + ".log"), List.of(WORKER_HEAP,
                        "-Xlog:gc:file=" + dir.resolve("gc-" + i + ".log")), "nightly", "worker", "--lab", "default",
                        "--threads", String.valueOf(threads), "--simulate-cells", String.valueOf(s.cellMs())));
            }
            server = start(env, dir.resolve("serve.log"), List.of("-Xmx256m"), "serve", "--bind", "127.0.0.1:0", "--reports",
                    Files.createDirectories(dir.resolve("reports")).toString());
            String base = awaitServing(dir.resolve("serve.log"));
            Sampler page = new Sampler(base + "/");
            Sampler api = new Sampler(base + "/api/hosts");
            AtomicBoolean done = new AtomicBoolean();
            Thread pages = new Thread(() -> {
                while (!done.get()) {
                    page.sample();
                    api.sample();
                    sleep(250);
                }
            }, "scale-bench-pages");
            pages.start();
            long t0 = System.nanoTime();
            int total = s.hosts() * s.cells();
            int maxConnections = 0;
            String killed = null;
            Instant killedAt = null;
            Set<String> killedHosts = Set.of();
            Map<String, Double> takeOver = new HashMap<>();
            long[] cpuAtEnd = new long[s.orchestrators()];
            long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
            while (true) {
                maxConnections = Math.max(maxConnections, connections(db, url));
                for (int i = 0; i < workers.size(); i++) {
                    if (workers.get(i).isAlive()) {
                        cpuAtEnd[i] = cpuTicks(workers.get(i).pid());
                    }
                }
                int finished = count(db, "select count(*) from cell where night_id = ? and state in ('DONE', 'NOT_RUN')", night);
                String[] victim = killed == null && finished >= s.killAtShare() * total ? busiestHolder(db, night) : null;
                if (victim != null) {
                    Process p = workers.stream().filter(w -> victim[0].contains("-" + w.pid() + "-")).findFirst().orElseThrow();
                    killedHosts = runningHostsOf(db, night, victim[0]);
                    killedAt = Instant.now();
                    p.destroyForcibly();
                    killed = victim[0];
                    System.err.printf(Locale.ROOT, "killed -9 orchestrator %s (pid %d) holding %d hosts at %d/%d cells%n", killed,
                            p.pid(), killedHosts.size(), finished, total);
                }
                if (killed != null && takeOver.size() < killedHosts.size()) {
                    takeOver.putAll(takenOver(db, night, killed, killedAt, killedHosts));
                }
                if (finished >= total) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the night did not finish within 60 min (" + finished + "/" + total + ")");
                }
                sleep(1000);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            done.set(true);
            pages.join();
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%d hosts x %d cells of %d ms over %d orchestrator JVMs (%s each), one database:"
                            + " %d cells in %.1f s = %.1f cells/s (ideal %.1f s with every host at once)%n", s.hosts(), s.cells(),
                    s.cellMs(), s.orchestrators(), WORKER_HEAP, total, wall, total / wall, s.cells() * s.cellMs() / 1000.0));
            for (int i = 0; i < workers.size(); i++) {
                long[] heap = heapPeakMb(dir.resolve("gc-" + i + ".log"));
                out.append(String.format(Locale.ROOT, "  orchestrator %d%s: CPU %.1f s, heap peak %d MiB before a GC (%d MiB committed)%n",
                        i, workers.get(i).isAlive() ? "" : " (killed -9)", cpuAtEnd[i] / 100.0, heap[0], heap[1]));
            }
            List<Double> t = new ArrayList<>(takeOver.values());
            Collections.sort(t);
            out.append(String.format(Locale.ROOT, "database connections: at most %d at once (PostgreSQL max_connections 300)%n",
                    maxConnections));
            out.append(killed == null ? "take-over: not measured (no cell was running when a quarter of the night was done)\n"
                    : String.format(Locale.ROOT, "take-over after kill -9 of the orchestrator holding %d hosts: %d taken over,"
                            + " median %.1f s, max %.1f s%n", killedHosts.size(), t.size(), t.isEmpty() ? Double.NaN : t.get(t.size() / 2),
                    t.isEmpty() ? Double.NaN : t.get(t.size() - 1)));
            out.append(page.summary("hosts page /")).append(api.summary("API /api/hosts"));
            Files.writeString(dir.resolve("figures.txt"), out.toString());
            return out.toString();
        } finally {
            workers.forEach(Process::destroyForcibly);
            if (server != null) {
                server.destroy();
                server.waitFor();
            }
            for (Process w : workers) {
                w.waitFor();
            }
            // the private cluster this benchmark started is stopped when nobody else uses it
            db.closeAndStopIfOurs();
        }
    }

    private String enqueue(Database db) throws Exception {
        StringBuilder inv = new StringBuilder("hosts:\n");
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= s.hosts(); i++) {
            String h = String.format(Locale.ROOT, "sim-%04d", i);
            names.add(h);
            inv.append("  - {name: ").append(h).append(", lab: default}\n");
        }
        Files.writeString(dir.resolve("inv.yaml"), inv.toString());
        Path plan = dir.resolve("scale.yaml");
        Files.writeString(plan, "name: scale\ninventory: inv.yaml\nbudget: 2h\nrepeats: " + s.cells() + "\nhosts: ["
                + String.join(", ", names) + "]\nkernels: [sim-kernel]\nscenarios: [seed]\n");
        NightlyPlan p = PlanLoader.load(plan);
        Nightly nightly = new Nightly(db, m -> { });
        String night = nightly.enqueue(p, LocalDate.now());
        NightlyEngine.Settings d = NightlyEngine.Settings.DEFAULTS;
        try (NightlyEngine scheduleOnly = new NightlyEngine(db, List.of("default"), new NightlyEngine.Settings(d.heartbeat(),
                d.missedHeartbeats(), d.leaseTtl(), d.pollInterval(), 1), nightly.runners(null, dir, Duration.ofMillis(1), null),
                m -> { })) {
            scheduleOnly.scheduleHosts(night);
        }
        return night;
    }

    private Process start(Map<String, String> env, Path log, List<String> jvm, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private String awaitServing(Path log) throws Exception {
        Matcher m = Pattern.compile("serving (http://127\\.0\\.0\\.1:\\d+)/").matcher("");
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            if (m.reset(Files.readString(log)).find()) {
                return m.group(1);
            }
            if (!server.isAlive()) {
                break;
            }
            sleep(200);
        }
        throw new IllegalStateException("harness serve did not start: " + Files.readString(log));
    }

    private static int connections(Database db, String url) {
        String name = url.substring(url.lastIndexOf('/') + 1);
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select count(*) from pg_stat_activity where datname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (java.sql.SQLException e) {
            return 0;
        }
    }

    private static int count(Database db, String sql, String night) throws Exception {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, night);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The orchestrator with the most cells running now: {holder, count}; null when none runs one. */
    private static String[] busiestHolder(Database db, String night) throws Exception {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("select holder, count(*) from attempt"
                + " where night_id = ? and state = 'RUNNING' group by holder order by 2 desc limit 1")) {
            ps.setString(1, night);
            try (ResultSet rs = ps.executeQuery()) {
                // none between two cells: asked again a second later
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
            }
        }
    }

    private static Set<String> runningHostsOf(Database db, String night, String holder) throws Exception {
        Set<String> out = new HashSet<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("select c.host from attempt a join cell c"
                + " on c.night_id = a.night_id and c.cell_key = a.cell_key where a.night_id = ? and a.holder = ? and a.state = 'RUNNING'")) {
            ps.setString(1, night);
            ps.setString(2, holder);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** For each of the hosts: seconds from the kill to the first attempt another orchestrator started on it. */
    private static Map<String, Double> takenOver(Database db, String night, String killed, Instant at, Set<String> hosts)
            throws Exception {
        Map<String, Double> out = new HashMap<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("select c.host, min(a.started_at) from attempt a"
                + " join cell c on c.night_id = a.night_id and c.cell_key = a.cell_key where a.night_id = ? and a.holder <> ?"
                + " and a.started_at > ? group by c.host")) {
            ps.setString(1, night);
            ps.setString(2, killed);
            ps.setTimestamp(3, java.sql.Timestamp.from(at));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (hosts.contains(rs.getString(1))) {
                        out.put(rs.getString(1), Duration.between(at, rs.getTimestamp(2).toInstant()).toMillis() / 1000.0);
                    }
                }
            }
        }
        return out;
    }

    /** utime + stime of a process, in clock ticks (100 per second on Linux). */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** {the largest heap before a collection, the largest committed heap}, in MiB, from a JVM's -Xlog:gc file. */
    static long[] heapPeakMb(Path gcLog) {
        long before = 0;
        long committed = 0;
        try {
            for (String line : Files.readAllLines(gcLog)) {
                Matcher m = GC.matcher(line);
                if (m.find()) {
                    before = Math.max(before, Long.parseLong(m.group(1)));
                    committed = Math.max(committed, Long.parseLong(m.group(3)));
                }
            }
        } catch (IOException e) {
            // no log: no figure
        }
        return new long[] {before, committed};
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Response times of one URL, sampled all night. */
    private static final class Sampler {
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private final String url;
        private final List<Double> ms = Collections.synchronizedList(new ArrayList<>());
        private int failures;
        private long bytes;

        Sampler(String url) {
            this.url = url;
        }

        void sample() {
            long t0 = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    failures++;
                    return;
                }
                bytes = r.body().length();
                ms.add((System.nanoTime() - t0) / 1e6);
            } catch (IOException e) {
                failures++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String summary(String what) {
            List<Double> sorted = new ArrayList<>(ms);
            Collections.sort(sorted);
            if (sorted.isEmpty()) {
                return what + ": no answer (" + failures + " failures)\n";
            }
            return String.format(Locale.ROOT, "%s while the night ran: %d requests, p50 %.0f ms, p99 %.0f ms, max %.0f ms"
                            + " (%d KiB a response), %d failed%n", what, sorted.size(), sorted.get(sorted.size() / 2),
                    sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(0.99 * sorted.size()) - 1)),
                    sorted.get(sorted.size() - 1), bytes / 1024, failures);
        }
    }
}
