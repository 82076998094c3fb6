package io.kdumplab.harness.e2e;

import io.kdumplab.harness.nightly.CellRow;
import io.kdumplab.harness.nightly.NightStore;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.HarnessProcess;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.support.TestDatabase;
import org.testng.annotations.AfterClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * kill -9 of the orchestrator running a real cell on the virtual lab (mid-run,
 * the spammer on, before the NMI): the other orchestrator takes the host over,
 * marks the attempt INTERRUPTED, power-cycles the host through its real BMC,
 * health-checks it (SSH, BMC, console, capture kernel loaded) and runs the cell
 * to its verdict.
 */
@Test(groups = "lab", singleThreaded = true)
public class NightlyTakeOverIT {
    @AfterClass(alwaysRun = true)
    public void reap() {
        ChildProcesses.reapAll();
    }

    @Test
    public void aKilledOrchestratorsRealCellIsTakenOverWithARealPowerCycle() throws Exception {
        LabFixture.up();
        TestDatabase tdb = TestDatabase.create("nightly_takeover");
        Path work = Files.createTempDirectory("nightly-takeover");
        Files.writeString(work.resolve("inv.yaml"), "hosts:\n  - {name: virtual-lab, lab: " + LabFixture.NAME
                + ", console: {type: tcp}, distro: debian}\n");
        Path plan = work.resolve("nightly.yaml");
        Files.writeString(plan, "name: takeover-it\ninventory: inv.yaml\nbudget: 1h\nhosts: [virtual-lab]\n"
                + "kernels: [" + LabFixture.kernels().defaultKernel() + "]\nscenarios: [seed]\n");
        Process enqueue = harness(tdb, work.resolve("enqueue.log"), "nightly", "enqueue", plan.toString(), "--night", "2026-11-27");
        assertEquals(enqueue.waitFor(), 0, Files.readString(work.resolve("enqueue.log")));
        String[] fast = {"--heartbeat", "2", "--missed-heartbeats", "4", "--lease-ttl", "10"};
        Process a = harness(tdb, work.resolve("a.log"), concat(new String[] {"nightly", "worker", "--lab", "default",
                "--reports", work.resolve("reports").toString()}, fast));
        // A's run is under way: the flood is on, the NMI not sent yet
        long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!Files.readString(work.resolve("a.log")).contains("spammer on:")) {
            assertTrue(System.nanoTime() < end, "A's cell never reached the spammer:\n" + Files.readString(work.resolve("a.log")));
            Thread.sleep(500);
        }
        Process b = harness(tdb, work.resolve("b.log"), concat(new String[] {"nightly", "worker", "--lab", "default",
                "--reports", work.resolve("reports").toString()}, fast));
        Thread.sleep(2000);
        new ProcessBuilder("kill", "-KILL", Long.toString(a.pid())).start().waitFor();
        try (Database db = tdb.open(2)) {
            NightStore store = new NightStore(db);
            long end2 = System.nanoTime() + Duration.ofMinutes(15).toNanos();
            while (store.unfinished("takeover-it/2026-11-27") > 0) {
                assertTrue(System.nanoTime() < end2, "the night did not finish:\n" + Files.readString(work.resolve("b.log")));
                Thread.sleep(2000);
            }
            String bLog = Files.readString(work.resolve("b.log"));
            assertTrue(bLog.contains("took over 1 interrupted cell(s); power-cycling the host through its BMC"), bLog);
            assertTrue(bLog.contains("health check before the night's cells: passed"), bLog);
            var attempts = store.attempts("takeover-it/2026-11-27");
            assertEquals(attempts.get(0).state(), "INTERRUPTED", attempts.toString());
            CellRow cell = store.cells("takeover-it/2026-11-27", null).get(0);
            assertEquals(cell.verdict(), "PASS", cell.reason() + "\n" + bLog);
            assertEquals(cell.attempts(), 2);
        }
        // the morning report tells the night's story: the interrupted attempt, who took it over, who finished it
        Process report = harness(tdb, work.resolve("report.log"), "nightly", "report", "takeover-it/2026-11-27",
                "--out", work.resolve("morning").toString());
        assertEquals(report.waitFor(), 0, Files.readString(work.resolve("report.log")));
        String morning = Files.readString(work.resolve("morning/index.html"));
        String retried = morning.substring(morning.indexOf("<h2>Cells that took more than one attempt"));
        assertTrue(retried.matches("(?s).*1\\. <b>INTERRUPTED</b> by [^<]+: the orchestrator running it stopped answering;"
                + " taken over by [^<]+<br>2\\. <b>PASS</b>.*"), retried);
        b.destroy();
        b.waitFor();
        tdb.close();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Process harness(TestDatabase tdb, Path log, String... args) throws Exception {
        return HarnessProcess.start(tdb, log, args);
    }
}
