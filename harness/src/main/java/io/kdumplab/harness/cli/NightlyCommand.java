package io.kdumplab.harness.cli;

import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.lab.VirtualLab;
import io.kdumplab.harness.nightly.Nightly;
import io.kdumplab.harness.nightly.NightlyEngine;
import io.kdumplab.harness.nightly.NightlyPlan;
import io.kdumplab.harness.nightly.NightReport;
import io.kdumplab.harness.nightly.PlanLoader;
import io.kdumplab.harness.store.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "nightly", mixinStandardHelpOptions = true,
        description = {"Nightly regression: a hosts x kernels x scenarios matrix on PostgreSQL + db-scheduler.",
                "Without --db the harness starts a private PostgreSQL cluster of its own (loopback only)."},
        subcommands = {NightlyCommand.Run.class, NightlyCommand.Enqueue.class, NightlyCommand.Worker.class,
                NightlyCommand.Status.class, NightlyCommand.Report.class})
public final class NightlyCommand {

    /** Database and engine settings shared by the subcommands. */
    static final class DbOptions {
        @Option(names = "--db", defaultValue = "${env:HARNESS_DB_URL}",
                description = "PostgreSQL JDBC URL (default: $HARNESS_DB_URL, else the private cluster); password from"
                        + " HARNESS_DB_PASSWORD or a 0600 HARNESS_DB_PASSWORD_FILE")
        String url;
        @Option(names = "--heartbeat", defaultValue = "5", description = "seconds between db-scheduler heartbeats (default ${DEFAULT-VALUE})")
        int heartbeat;
        @Option(names = "--missed-heartbeats", defaultValue = "4", description = "missed heartbeats before an orchestrator is dead (>= 4)")
        int missed;
        @Option(names = "--lease-ttl", defaultValue = "30", description = "seconds a host lease lives without renewal (default ${DEFAULT-VALUE})")
        int leaseTtl;
        @Option(names = "--threads", defaultValue = "32", description = "hosts this orchestrator runs at once")
        int threads;
        @Option(names = "--simulate-cells", hidden = true, description = "engine tests and benchmark: cells sleep this many ms")
        Long simulateMs;
        @Option(names = "--events", hidden = true, description = "engine tests: append simulated NMIs and power cycles here")
        Path events;
        @Option(names = "--reports", defaultValue = "${env:HARNESS_REPORTS:-reports}")
        Path reports;

        Database open(int pool) {
            return Database.open(url, pool);
        }

        NightlyEngine.Settings settings() {
            if (missed < 4 || heartbeat < 1 || leaseTtl < 5 || threads < 1) {
                throw new io.kdumplab.harness.failure.ConfigurationException("engine settings out of range",
                        "--heartbeat >= 1, --missed-heartbeats >= 4, --lease-ttl >= 5, --threads >= 1");
            }
            return new NightlyEngine.Settings(Duration.ofSeconds(heartbeat), missed, Duration.ofSeconds(leaseTtl),
                    Duration.ofSeconds(Math.min(2, heartbeat)), threads);
        }

        Duration simulated() {
            return simulateMs == null ? null : Duration.ofMillis(simulateMs);
        }
    }

    static LocalDate night(String text) {
        if (text == null) {
            return LocalDate.now();
        }
        try {
            return LocalDate.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw new io.kdumplab.harness.failure.ConfigurationException("--night '" + text + "' is not a date", "e.g. --night 2026-11-27");
        }
    }

    static VirtualLab lab() {
        return new VirtualLab(LabPaths.fromEnvironment(), m -> System.err.println("[lab] " + m));
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Enqueue tonight's cells of PLAN (once: a second run of the same night adds nothing) and work them",
                    "until done or out of budget; then the morning report. Exit 0, or 1 when a cell regressed."})
    static final class Run implements Callable<Integer> {
        @Parameters(paramLabel = "PLAN") Path plan;
        @Option(names = "--night", description = "the night's date (default: today)") String night;
        @picocli.CommandLine.Mixin DbOptions db = new DbOptions();

        @Override
        public Integer call() {
            NightlyPlan p = PlanLoader.load(plan);
            LocalDate n = night(night);
            Database database = db.open(db.threads + 8);
            try {
                Nightly nightly = new Nightly(database, System.err::println);
                String id = nightly.enqueue(p, n);
                try (NightlyEngine engine = new NightlyEngine(database, p.labs(), db.settings(),
                        nightly.runners(db.simulated() == null ? lab().startingIfNeeded() : null, db.reports, db.simulated(), db.events), System.err::println)) {
                    engine.scheduleHosts(id);
                    engine.start();
                    boolean done = engine.awaitNight(id, p.budget().plus(Duration.ofMinutes(10)));
                    if (!done) {
                        System.err.println("the night did not finish within its budget + 10 min; cells left are reported as they are");
                    }
                }
                NightReport.Written w = nightly.report(id, db.reports.resolve("nightly").resolve(id));
                System.out.println("report: " + w.html() + " (JUnit: " + w.junit() + "), regressions: " + w.regressions());
                return w.regressions() > 0 ? ExitCodes.FAIL : ExitCodes.OK;
            } finally {
                database.closeAndStopIfOurs();
            }
        }
    }

    @Command(name = "enqueue", mixinStandardHelpOptions = true, description = "Enqueue tonight's cells of PLAN for the labs' workers; idempotent.")
    static final class Enqueue implements Callable<Integer> {
        @Parameters(paramLabel = "PLAN") Path plan;
        @Option(names = "--night") String night;
        @picocli.CommandLine.Mixin DbOptions db = new DbOptions();

        @Override
        public Integer call() {
            NightlyPlan p = PlanLoader.load(plan);
            try (Database database = db.open(4)) {
                Nightly nightly = new Nightly(database, System.err::println);
                String id = nightly.enqueue(p, night(night));
                try (NightlyEngine engine = new NightlyEngine(database, p.labs(), db.settings(),
                        nightly.runners(null, db.reports, db.simulated(), db.events), System.err::println)) {
                    System.out.println(id + ": " + engine.scheduleHosts(id) + " host run(s) scheduled");
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "worker", mixinStandardHelpOptions = true,
            description = "Join as another orchestrator of lab L (repeatable): run its hosts' cells until stopped (Ctrl-C / SIGTERM).")
    static final class Worker implements Callable<Integer> {
        @Option(names = "--lab", required = true, split = ",") List<String> labs;
        @picocli.CommandLine.Mixin DbOptions db = new DbOptions();

        @Override
        public Integer call() throws InterruptedException {
            Database database = db.open(db.threads + 8);
            Nightly nightly = new Nightly(database, System.err::println);
            NightlyEngine engine = new NightlyEngine(database, labs, db.settings(),
                    nightly.runners(db.simulated() == null ? lab().running() : null, db.reports, db.simulated(), db.events),
                    System.err::println);
            java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
            io.kdumplab.harness.util.Shutdown.register(io.kdumplab.harness.util.Shutdown.Stage.RESOURCES, "nightly worker stop",
                    Duration.ofSeconds(60), () -> {
                        engine.close();
                        database.close();
                        stop.countDown();
                    });
            engine.start();
            System.err.println("worker " + engine.holder() + " for lab(s) " + labs + " on " + database.describe()
                    + "; take-over of a dead orchestrator within about " + db.settings().takeOverWithin().toSeconds() + " s");
            stop.await();
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "What runs where: nights, cells by state, leases, queue, host health.")
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Mixin DbOptions db = new DbOptions();

        @Override
        public Integer call() throws Exception {
            try (Database database = db.open(2); Connection c = database.connection(); Statement st = c.createStatement()) {
                print(st, "nights (newest 5): cells by state", "select n.id, string_agg(s.state || ' ' || s.k, ', ' order by s.state)"
                        + " from night n join (select night_id, state, count(*) k from cell group by night_id, state) s"
                        + " on s.night_id = n.id group by n.id, n.created_at order by n.created_at desc limit 5");
                print(st, "running cells", "select night_id, cell_key, holder, started_at from cell where state = 'RUNNING' order by started_at");
                print(st, "host leases", "select host, holder, kind, token, acquired_at, case when expires_at > now() then 'held'"
                        + " else 'expired' end from host_lease order by host");
                print(st, "waiting for a host", "select host, holder, kind, requested_at from lease_request order by host, requested_at");
                print(st, "host health", "select host, case when healthy then 'healthy' else 'UNHEALTHY' end, reason, since from host_health order by host");
                print(st, "orchestrators not taking hosts", "select name, reason, since from orchestrator_health where not healthy"
                        + " order by since");
            }
            return ExitCodes.OK;
        }

        private static void print(Statement st, String title, String sql) throws Exception {
            System.out.println(title + ":");
            try (ResultSet rs = st.executeQuery(sql)) {
                int cols = rs.getMetaData().getColumnCount();
                boolean any = false;
                while (rs.next()) {
                    any = true;
                    StringBuilder b = new StringBuilder("  ");
                    for (int i = 1; i <= cols; i++) {
                        b.append(i > 1 ? "  " : "").append(rs.getString(i));
                    }
                    System.out.println(b);
                }
                if (!any) {
                    System.out.println("  (none)");
                }
            }
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true, description = "The morning report of NIGHT (PLAN/YYYY-MM-DD); exit 1 on regressions.")
    static final class Report implements Callable<Integer> {
        @Parameters(paramLabel = "NIGHT") String night;
        @Option(names = "--out", description = "directory (default: <reports>/nightly/NIGHT)") Path out;
        @picocli.CommandLine.Mixin DbOptions db = new DbOptions();

        @Override
        public Integer call() {
            try (Database database = db.open(2)) {
                Nightly nightly = new Nightly(database, System.err::println);
                NightReport.Written w = nightly.report(night, out != null ? out : db.reports.resolve("nightly").resolve(night));
                System.out.println("report: " + w.html() + " (JUnit: " + w.junit() + "), regressions: " + w.regressions());
                return w.regressions() > 0 ? ExitCodes.FAIL : ExitCodes.OK;
            }
        }
    }
}
