package io.kdumplab.harness.nightly;

import io.kdumplab.harness.lease.HostLeases;
import io.kdumplab.harness.lease.Lease;
import io.kdumplab.harness.lease.LeaseKind;
import io.kdumplab.harness.lease.LeaseUnavailableException;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.HarnessProcess;
import io.kdumplab.harness.support.TestDatabase;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The nightly engine against real PostgreSQL and real db-scheduler, with
 * orchestrators as separate JVMs (`nightly worker`), killed with -9 or frozen
 * with SIGSTOP. Cells are fixed sleeps (the host side is simulated: their "NMI"
 * and power cycles are logged to an events file after the lease's fence check).
 */
@Test(groups = "db", singleThreaded = true)
public class NightlyEngineIT {
    /** Fast engine settings for tests: dead after 4 x 1 s, lease 6 s. */
    private static final String[] FAST = {"--heartbeat", "1", "--missed-heartbeats", "4", "--lease-ttl", "6"};
    private TestDatabase tdb;
    private Database db;
    private Path dir;

    @BeforeClass
    public void database() throws Exception {
        tdb = TestDatabase.create("nightly_it");
        db = tdb.open(8);
        dir = Files.createTempDirectory("nightly-it");
        StringBuilder inv = new StringBuilder("hosts:\n");
        for (int i = 1; i <= 4; i++) {
            inv.append("  - {name: sim-").append(i).append(", lab: default}\n");
        }
        Files.writeString(dir.resolve("inv.yaml"), inv.toString());
    }

    @AfterClass(alwaysRun = true)
    public void close() {
        ChildProcesses.reapAll();
        if (db != null) {
            db.close();
        }
        if (tdb != null) {
            tdb.close();
        }
    }

    /** Each test's hosts are in a lab named after the test: its orchestrators never pick another test's hosts. */
    private Path plan(String name, List<String> hosts, int repeats) throws Exception {
        Path p = dir.resolve(name + ".yaml");
        String list = String.join(", ", hosts.stream().map(h -> "{name: " + h + ", lab: " + name + "}").toList());
        Files.writeString(p, "name: " + name + "\ninventory: inv.yaml\nbudget: 30m\nrepeats: " + repeats + "\nhosts: [" + list
                + "]\nkernels: [6.1.0-56-amd64]\nscenarios: [seed]\n");
        return p;
    }

    private Process worker(String lab, String name, long cellMs, Path events) throws Exception {
        List<String> args = new ArrayList<>(List.of("nightly", "worker", "--lab", lab, "--simulate-cells", String.valueOf(cellMs),
                "--events", events.toString()));
        args.addAll(List.of(FAST));
        return HarnessProcess.start(tdb, dir.resolve(name + ".log"), args.toArray(String[]::new));
    }

    private String enqueue(Path plan) {
        Nightly n = new Nightly(db, m -> System.err.println("[it] " + m));
        NightlyPlan p = PlanLoader.load(plan);
        String id = n.enqueue(p, LocalDate.of(2026, 11, 27));
        try (NightlyEngine e = new NightlyEngine(db, p.labs(), NightlyEngine.Settings.DEFAULTS,
                n.runners(null, dir, Duration.ofMillis(1), null), m -> { })) {
            e.scheduleHosts(id);
        }
        return id;
    }

    private static <T> T await(String what, Duration max, java.util.function.Supplier<T> probe) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            T v = probe.get();
            if (v != null && !Boolean.FALSE.equals(v)) {
                return v;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + max.toSeconds() + " s waiting for " + what);
    }

    private static void signal(Process p, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor();
    }

    @Test
    public void theSameNightEnqueuedTwiceRunsEachCellOnce() throws Exception {
        Path plan = plan("twice", List.of("sim-1", "sim-2"), 3);
        Nightly n = new Nightly(db, m -> { });
        NightlyPlan p = PlanLoader.load(plan);
        String id = n.enqueue(p, LocalDate.of(2026, 11, 27));
        assertEquals(n.enqueue(p, LocalDate.of(2026, 11, 27)), id);
        try (NightlyEngine e = new NightlyEngine(db, p.labs(), NightlyEngine.Settings.DEFAULTS,
                n.runners(null, dir, Duration.ofMillis(200), null), m -> System.err.println("[it] " + m))) {
            assertEquals(e.scheduleHosts(id), 2);
            assertEquals(e.scheduleHosts(id), 0, "the second enqueue schedules nothing");
            e.start();
            assertTrue(e.awaitNight(id, Duration.ofSeconds(60)));
        }
        List<CellRow> cells = n.store().cells(id, null);
        assertEquals(cells.size(), 6);
        for (CellRow c : cells) {
            assertEquals(c.state(), NightStore.DONE, c.key());
            assertEquals(c.attempts(), 1, c.key() + " ran once");
        }
        assertEquals(n.store().attempts(id).size(), 6, "one attempt per cell");
    }

    @Test
    public void aKilledOrchestratorsHostIsTakenOverInterruptedPowerCycledAndTheNightFinished() throws Exception {
        Path events = dir.resolve("kill9.events");
        String id = enqueue(plan("kill9", List.of("sim-1"), 3));
        Process a = worker("kill9", "kill9-a", 4000, events);
        NightStore store = new NightStore(db);
        // A has started the first cell (its attempt is RUNNING), then B joins, then A dies hard
        await("A running a cell", Duration.ofSeconds(60), () -> store.attempts(id).stream().anyMatch(x -> x.state().equals("RUNNING")));
        String aHolder = store.attempts(id).get(0).holder();
        Process b = worker("kill9", "kill9-b", 4000, events);
        Thread.sleep(1000);
        signal(a, "KILL");
        long killedAt = System.nanoTime();
        await("the attempt marked INTERRUPTED", Duration.ofSeconds(60),
                () -> store.attempts(id).stream().anyMatch(x -> x.state().equals("INTERRUPTED")));
        double takeOver = (System.nanoTime() - killedAt) / 1e9;
        NightlyEngine.Settings fast = new NightlyEngine.Settings(Duration.ofSeconds(1), 4, Duration.ofSeconds(6), Duration.ofSeconds(1), 32);
        System.err.printf("take-over after kill -9: %.1f s (configured threshold %d s)%n", takeOver, fast.takeOverWithin().toSeconds());
        assertTrue(takeOver <= fast.takeOverWithin().toSeconds() + 5, "taken over in " + takeOver + " s");
        await("the night finished by B", Duration.ofSeconds(120), () -> store.unfinished(id) == 0);
        String ev = Files.readString(events);
        assertTrue(ev.lines().anyMatch(l -> l.contains("POWER_CYCLE sim-1") && !l.contains(aHolder)),
                "the survivor power-cycled the host before using it:\n" + ev);
        for (CellRow c : store.cells(id, null)) {
            assertEquals(c.state(), NightStore.DONE);
            assertEquals(c.verdict(), "PASS");
        }
        var interrupted = store.attempts(id).stream().filter(x -> x.state().equals("INTERRUPTED")).toList();
        assertEquals(interrupted.size(), 1);
        assertEquals(interrupted.get(0).holder(), aHolder);
        b.destroy();
        assertTrue(b.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    public void anOrchestratorWhoseReportsDiskFillsGivesItsHostBackAndTheNightFinishesElsewhere() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small-reports"));
        assertEquals(io.kdumplab.harness.util.Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=70m", "tmpfs",
                small.toString()), Duration.ofSeconds(20), null).exitCode(), 0);
        try {
            Path events = dir.resolve("fulldisk.events");
            String id = enqueue(plan("fulldisk", List.of("sim-1"), 6));
            List<String> args = new ArrayList<>(List.of("nightly", "worker", "--lab", "fulldisk", "--simulate-cells", "1500",
                    "--events", events.toString(), "--reports", small.toString()));
            args.addAll(List.of(FAST));
            Process a = HarnessProcess.start(tdb, dir.resolve("fulldisk-a.log"), args.toArray(String[]::new));
            NightStore store = new NightStore(db);
            await("A running a cell", Duration.ofSeconds(60), () -> store.attempts(id).stream().anyMatch(x -> x.state().equals("RUNNING")));
            String aHolder = store.attempts(id).get(0).holder();
            Process b = worker("fulldisk", "fulldisk-b", 1500, events);
            // A's reports filesystem fills up (as a run's console logs would fill it)
            io.kdumplab.harness.util.Processes.run(List.of("dd", "if=/dev/zero", "of=" + small.resolve("filler"), "bs=1M"),
                    Duration.ofSeconds(30), null);
            await("the night finished", Duration.ofSeconds(120), () -> store.unfinished(id) == 0);
            String aLog = Files.readString(dir.resolve("fulldisk-a.log"));
            assertTrue(aLog.contains("ORCHESTRATOR UNHEALTHY") && aLog.contains("a run needs at least 64 MiB"), aLog);
            assertTrue(aLog.contains("given back: this orchestrator is unhealthy"), aLog);
            for (CellRow c : store.cells(id, null)) {
                assertEquals(c.state(), NightStore.DONE, c.key());
                assertEquals(c.verdict(), "PASS", c.key() + ": " + c.reason());
            }
            assertTrue(store.attempts(id).stream().anyMatch(x -> !x.holder().equals(aHolder)), "another orchestrator took over");
            var hostHealth = store.health("sim-1");
            assertTrue(hostHealth.map(HostHealth::healthy).orElse(true), "the host is not held against: " + hostHealth);
            try (var c = db.connection(); var st = c.createStatement();
                 var rs = st.executeQuery("select name, reason from orchestrator_health where not healthy")) {
                assertTrue(rs.next(), "A's health is in the database");
                assertTrue(aHolder.startsWith(rs.getString(1)), rs.getString(1) + " is A (" + aHolder + ")");
                assertTrue(rs.getString(2).contains(small.toString()), rs.getString(2));
                assertFalse(rs.next(), "only A is unhealthy");
            }
            // space again: A says so and takes hosts again
            Files.delete(small.resolve("filler"));
            await("A healthy again", Duration.ofSeconds(30), () -> {
                try {
                    return Files.readString(dir.resolve("fulldisk-a.log")).contains("healthy again");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            a.destroy();
            b.destroy();
            assertTrue(a.waitFor(30, TimeUnit.SECONDS) && b.waitFor(30, TimeUnit.SECONDS));
        } finally {
            io.kdumplab.harness.util.Processes.run(List.of("umount", "-l", small.toString()), Duration.ofSeconds(20), null);
        }
    }

    @Test
    public void aFrozenOrchestratorResumedAfterLosingItsLeaseFiresNoNmiAndItsLateResultIsRejected() throws Exception {
        Path events = dir.resolve("stop.events");
        String id = enqueue(plan("sigstop", List.of("sim-2"), 2));
        Process a = worker("sigstop", "sigstop-a", 6000, events);
        NightStore store = new NightStore(db);
        await("A running a cell", Duration.ofSeconds(60), () -> store.attempts(id).stream().anyMatch(x -> x.state().equals("RUNNING")));
        NightStore.AttemptRow frozen = store.attempts(id).get(0);
        signal(a, "STOP"); // before its NMI, 3 s into the cell
        Process b = worker("sigstop", "sigstop-b", 6000, events);
        await("B took the host over", Duration.ofSeconds(60),
                () -> store.attempts(id).stream().anyMatch(x -> x.state().equals("INTERRUPTED")));
        await("B ran the interrupted cell", Duration.ofSeconds(60), () -> store.cells(id, null).stream()
                .anyMatch(c -> c.key().equals(frozen.cellKey()) && c.state().equals(NightStore.DONE)));
        signal(a, "CONT");
        Thread.sleep(6000); // A's cell would have reached its NMI and its end by now
        String ev = Files.readString(events);
        assertFalse(ev.contains("token " + frozen.token() + "\n") || ev.lines().anyMatch(l -> l.endsWith("token " + frozen.token())),
                "the frozen orchestrator fired nothing after waking up:\n" + ev);
        String aLog = Files.readString(dir.resolve("sigstop-a.log"));
        assertTrue(aLog.contains("is lost") || aLog.contains("rejected"), "A noticed it lost the host:\n" + aLog);
        CellRow cell = store.cells(id, null).stream().filter(c -> c.key().equals(frozen.cellKey())).findFirst().orElseThrow();
        assertEquals(cell.verdict(), "PASS");
        assertEquals(store.attempts(id).stream().filter(x -> x.token() == frozen.token()).findFirst().orElseThrow().state(),
                "INTERRUPTED", "A's attempt stays INTERRUPTED: its late result was not filed");
        await("the night finished", Duration.ofSeconds(90), () -> store.unfinished(id) == 0);
        a.destroyForcibly();
        b.destroy();
        b.waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    public void onDemandWorkWaitsForANightlyLeaseOrIsRefusedNamingTheHolder() throws Exception {
        try (HostLeases leases = new HostLeases(db, Duration.ofSeconds(10))) {
            Lease night = leases.acquire("sim-3", "orchestrator-x night p/2026-11-27", LeaseKind.NIGHTLY, Duration.ZERO, m -> { });
            LeaseUnavailableException refused = expectThrows(LeaseUnavailableException.class,
                    () -> leases.acquire("sim-3", "repro by alice", LeaseKind.ON_DEMAND, Duration.ZERO, m -> { }));
            assertTrue(refused.getMessage().contains("held by orchestrator-x night p/2026-11-27 (NIGHTLY) since "),
                    refused.getMessage());
            List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<Lease> waiting = CompletableFuture.supplyAsync(
                    () -> leases.acquire("sim-3", "repro by bob", LeaseKind.ON_DEMAND, Duration.ofSeconds(30), heard::add));
            Thread.sleep(2500);
            assertFalse(waiting.isDone(), "bob waits");
            assertTrue(heard.stream().anyMatch(h -> h.contains("queue position 1")), heard.toString());
            night.check("an NMI while still held");
            night.close();
            Lease bob = waiting.get(10, TimeUnit.SECONDS);
            assertTrue(bob.token() > night.token(), "a new grant, a newer fencing token");
            expectThrows(io.kdumplab.harness.failure.CancelledException.class, () -> night.check("an NMI after release"));
            bob.close();
        }
    }

    @Test
    public void theQueueServesOnDemandFirstButAgedNightlyWorkIsNotStarved() throws Exception {
        try (HostLeases leases = new HostLeases(db, Duration.ofSeconds(10))) {
            Lease holder = leases.acquire("sim-4", "someone", LeaseKind.BISECT, Duration.ZERO, m -> { });
            CompletableFuture<Lease> nightly = CompletableFuture.supplyAsync(
                    () -> leases.acquire("sim-4", "nightly", LeaseKind.NIGHTLY, Duration.ofSeconds(30), m -> { }));
            Thread.sleep(1500);
            CompletableFuture<Lease> onDemand = CompletableFuture.supplyAsync(
                    () -> leases.acquire("sim-4", "on-demand", LeaseKind.ON_DEMAND, Duration.ofSeconds(30), m -> { }));
            Thread.sleep(1500);
            holder.close();
            Lease first = onDemand.get(10, TimeUnit.SECONDS);
            assertFalse(nightly.isDone(), "on-demand work goes before an earlier nightly request");
            first.close();
            Lease second = nightly.get(10, TimeUnit.SECONDS);
            second.close();
            // aging: a nightly request that has waited 25 minutes (2 x AGING) goes before fresh on-demand work
            Lease again = leases.acquire("sim-4", "someone", LeaseKind.BISECT, Duration.ZERO, m -> { });
            CompletableFuture<Lease> agedNightly = CompletableFuture.supplyAsync(
                    () -> leases.acquire("sim-4", "aged nightly", LeaseKind.NIGHTLY, Duration.ofSeconds(30), m -> { }));
            Thread.sleep(1500);
            try (Connection c = db.connection(); Statement st = c.createStatement()) {
                st.executeUpdate("update lease_request set requested_at = now() - interval '25 minutes' where holder = 'aged nightly'");
            }
            CompletableFuture<Lease> fresh = CompletableFuture.supplyAsync(
                    () -> leases.acquire("sim-4", "fresh on-demand", LeaseKind.ON_DEMAND, Duration.ofSeconds(30), m -> { }));
            Thread.sleep(1500);
            again.close();
            Lease aged = agedNightly.get(10, TimeUnit.SECONDS);
            assertFalse(fresh.isDone());
            aged.close();
            fresh.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    public void anUnreachableDatabaseStopsTheNightBeforeAnythingRuns() throws Exception {
        Path plan = plan("unreachable", List.of("sim-1"), 1);
        Path reports = dir.resolve("unreachable-reports");
        Process p = ChildProcesses.track(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main", "nightly", "run", plan.toString(),
                "--db", "jdbc:postgresql://127.0.0.1:1/nowhere", "--reports", reports.toString(), "--simulate-cells", "10")
                .redirectErrorStream(true).start());
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(p.exitValue(), 125, out);
        assertTrue(out.contains("cannot reach PostgreSQL at jdbc:postgresql://127.0.0.1:1/nowhere"), out);
        assertFalse(Files.exists(reports), "nothing ran, nothing written");
        assertNotNull(out);
    }

    /**
     * A harness bug (by type: an NPE) in a cell is HARNESS_ERROR, never retried and never a mark on the host's health;
     * a bug in the health check says nothing about the host either: its remaining cells end HARNESS_ERROR, unretried.
     */
    @Test
    public void aHarnessBugIsNeitherRetriedNorHeldAgainstTheHost() throws Exception {
        Path plan = plan("bug", List.of("sim-3"), 3);
        Nightly n = new Nightly(db, m -> { });
        String id = n.enqueue(PlanLoader.load(plan), LocalDate.of(2026, 11, 27));
        List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        CellRunner cells = (cell, next, fence) -> {
            ran.add(cell.key());
            return switch (ran.size()) {
                case 1 -> throw new NullPointerException("a bug in the cell");
                case 2 -> new CellResult(io.kdumplab.harness.verdict.Verdict.INFRA_ERROR, "ssh: the host went away", null, null);
                default -> new CellResult(io.kdumplab.harness.verdict.Verdict.PASS, "fine", null, cell.build());
            };
        };
        SimulatedCells sim = new SimulatedCells(Duration.ofMillis(1), null, "it");
        HostControl control = new HostControl() {
            @Override
            public String healthProblem(String host) {
                throw new IllegalStateException("a bug in the health check");
            }

            @Override
            public io.kdumplab.harness.lease.Hold claim(String host, String night, String databaseFence, Duration wait,
                                                        Duration reach) {
                return sim.claim(host, night, databaseFence, wait, reach);
            }

            @Override
            public void powerCycle(String host, io.kdumplab.harness.device.Fence fence) {
                throw new AssertionError("no power cycle expected");
            }
        };
        new HostRun(n.store(), new HostLeases(db, Duration.ofSeconds(30)), "it-bug", cells, control, m -> System.err.println("[it] " + m))
                .run(id, "sim-3");
        List<CellRow> rows = n.store().cells(id, "sim-3");
        assertEquals(ran.size(), 2, "the bug was not retried, and no cell ran after the broken health check: " + ran);
        assertEquals(rows.get(0).verdict(), "HARNESS_ERROR", rows.get(0).reason());
        assertEquals(rows.get(0).attempts(), 1);
        assertEquals(rows.get(1).verdict(), "INFRA_ERROR", "as the night store keeps it");
        assertEquals(rows.get(2).verdict(), "HARNESS_ERROR");
        assertTrue(rows.get(2).reason().contains("harness bug in the health check"), rows.get(2).reason());
        var health = n.store().health("sim-3");
        assertTrue(health.isPresent() && !health.get().reason().contains("health check"),
                "the broken check wrote no health verdict: " + health);
        assertTrue(rows.stream().allMatch(r -> !r.state().equals(NightStore.PENDING)), "the night is closed for the host");
    }

    /**
     * A night store written by session-9 code (a FAIL's diagnosis inside its reason, after " - ") is migrated when an
     * orchestrator opens it: the diagnosis moves to its own column in cells, attempts and the history, nothing lost.
     */
    @Test
    public void aNightStoreWrittenBeforeTheDiagnosisColumnIsMigratedWithoutLoss() throws Exception {
        String old = "hang: the capture kernel did not start (last phase reached: PANIC); recovered by IPMI power cycle; no vmcore";
        String diag = "stopped before the capture kernel: console backed up by 19135 messages at the NMI";
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            // the rows exactly as the earlier NightStore wrote them (its insert and update statements' columns)
            st.execute("insert into night (id, plan_name, night, plan_file, budget_seconds, deadline) values ('old/2026-12-04', 'old',"
                    + " date '2026-12-04', 'old.yaml', 3600, now())");
            st.execute("insert into cell (night_id, cell_key, lab, host, kernel, build, scenario, repeat, seq, state, verdict, reason,"
                    + " report, attempts) values ('old/2026-12-04', 'h|k|seed|1', 'default', 'h', 'k', 'k', 'seed', 1, 0, 'DONE',"
                    + " 'FAIL', '" + old + " - " + diag + "', '/r/1', 1)");
            st.execute("insert into attempt (night_id, cell_key, holder, lease_token, state, verdict, reason) values"
                    + " ('old/2026-12-04', 'h|k|seed|1', 'o', 1, 'DONE', 'FAIL', '" + old + " - " + diag + "')");
            st.execute("insert into run_history (source, night_id, host, kernel, scenario, verdict, reason) values ('nightly',"
                    + " 'old/2026-12-04', 'h', 'k', 'seed', 'FAIL', '" + old + " - " + diag + "')");
            st.execute("insert into run_history (source, host, kernel, scenario, verdict, reason) values ('repro', 'h', 'k', 'seed',"
                    + " 'PASS', 'vmcore saved and readable: /var/crash/a - b/dump')");
        }
        try (Database reopened = tdb.open(2)) { // an orchestrator starting on it: the schema step migrates
            CellRow cell = new NightStore(reopened).cells("old/2026-12-04", null).get(0);
            assertEquals(cell.reason(), old);
            assertEquals(cell.diagnosis(), diag);
            try (Connection c = reopened.connection(); Statement st = c.createStatement()) {
                var rs = st.executeQuery("select reason, diagnosis from attempt where night_id = 'old/2026-12-04'");
                assertTrue(rs.next());
                assertEquals(rs.getString(1), old);
                assertEquals(rs.getString(2), diag);
                rs = st.executeQuery("select verdict, reason, diagnosis from run_history where host = 'h' order by id");
                assertTrue(rs.next());
                assertEquals(rs.getString(2), old);
                assertEquals(rs.getString(3), diag);
                assertTrue(rs.next());
                assertEquals(rs.getString(2), "vmcore saved and readable: /var/crash/a - b/dump", "a PASS is left as it was");
                assertEquals(rs.getString(3), null);
            }
        }
    }
}
