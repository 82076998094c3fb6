package io.kdumplab.harness.e2e;

import io.kdumplab.harness.lab.LabEndpoints;

import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.lab.FreePorts;
import io.kdumplab.harness.lab.LabSpec;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.lab.VirtualLab;
import io.kdumplab.harness.nightly.CellRow;
import io.kdumplab.harness.nightly.NightStore;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.HarnessProcess;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.support.TestDatabase;
import io.kdumplab.harness.util.Processes;
import org.testng.annotations.AfterClass;
import org.testng.annotations.Test;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;

/**
 * Two hosts (two lab instances); one host's BMC becomes unreachable mid-night
 * (its ipmi_sim stopped): that host's cells end as infrastructure errors after a
 * failing health check, never as FAIL, and the report shows it unhealthy; the
 * other host's cells run as usual. The cells are cheap (an NMI that does not
 * panic: a FAIL without a crash), so the test pays for no dump. The two labs side by side and `lab down` of
 * the one whose BMC died (nothing left behind) are checked here too.
 */
@Test(groups = "lab", singleThreaded = true)
public class NightlyHealthIT {
    private static final String SECOND = "it-second";

    @AfterClass(alwaysRun = true)
    public void secondLabDown() {
        ChildProcesses.reapAll();
        LabFixture.lab().down(SECOND);
    }

    @Test
    public void aHostWhoseBmcDiesEndsAsInfrastructureErrorsAndTheOtherHostIsUnaffected() throws Exception {
        LabFixture.up();
        VirtualLab lab = LabFixture.lab();
        lab.down(SECOND);
        LabState first = LabFixture.up();
        LabState second = lab.up(LabSpec.defaults(SECOND));
        // two labs side by side (formerly LabLifecycleIT, whose second lab's boot this class pays anyway)
        assertNotEquals(second.bmcPort(), first.bmcPort());
        assertNotEquals(second.sshPort(), first.sshPort());
        assertNotEquals(second.consolePort(), first.consolePort());
        for (LabState s : new LabState[] {first, second}) {
            try (SshShell t = SshShell.connect(LabEndpoints.ssh(s), Duration.ofSeconds(10))) {
                assertEquals(t.check("hostname", Duration.ofSeconds(10)), "kdump-lab");
            }
        }
        ConfigurationException twice = expectThrows(ConfigurationException.class, () -> lab.up(LabSpec.defaults(SECOND)));
        assertTrue(twice.getMessage().contains("lab '" + SECOND + "' is already up"), twice.getMessage());
        assertTrue(twice.hint().contains("lab down --name " + SECOND), twice.hint());
        TestDatabase tdb = TestDatabase.create("nightly_health");
        Path work = Files.createTempDirectory("nightly-health");
        Files.writeString(work.resolve("inv.yaml"), "hosts:\n"
                + "  - {name: virtual-lab, lab: " + LabFixture.NAME + ", console: {type: tcp}, distro: debian}\n"
                + "  - {name: second, lab: " + SECOND + ", console: {type: tcp}, distro: debian}\n");
        Files.writeString(work.resolve("no-panic.yaml"), "name: no-panic\nspammer: {enabled: false}\n"
                + "sysctls: {kernel.unknown_nmi_panic: \"0\", kernel.panic_on_unrecovered_nmi: \"0\", kernel.panic_on_io_nmi: \"0\"}\n");
        Path plan = work.resolve("nightly.yaml");
        Files.writeString(plan, "name: health-it\ninventory: inv.yaml\nbudget: 1h\nrepeats: 2\nhosts: [virtual-lab, second]\n"
                + "kernels: [" + LabFixture.kernels().defaultKernel() + "]\nscenarios: [no-panic.yaml]\nhang_after: 10s\n");
        Path reports = work.resolve("reports");
        Process night = HarnessProcess.start(tdb, work.resolve("night.log"), "nightly", "run", plan.toString(), "--night",
                "2026-11-27", "--reports", reports.toString());
        try (Database db = tdb.open(2)) {
            NightStore store = new NightStore(db);
            // mid-night: once the second host's first cell runs, its BMC goes away
            long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (System.nanoTime() < end && store.attempts("health-it/2026-11-27").stream()
                    .noneMatch(a -> a.cellKey().startsWith("second|"))) {
                Thread.sleep(500);
            }
            assertTrue(Processes.stop(second.bmcPid(), Duration.ofSeconds(10)), "the second lab's BMC stopped");
            assertTrue(night.waitFor(20, TimeUnit.MINUTES));
            String log = Files.readString(work.resolve("night.log"));
            for (CellRow c : store.cells("health-it/2026-11-27", null)) {
                if (c.host().equals("second")) {
                    assertNotEquals(c.verdict(), "FAIL", "an unreachable BMC is never a kernel FAIL: " + c.reason());
                    assertEquals(c.verdict(), "INFRA_ERROR", c.key() + ": " + c.reason() + "\n" + log);
                } else {
                    assertEquals(c.verdict(), "FAIL", "the healthy host's cells ran: " + c.key() + " " + c.reason());
                    assertTrue(c.reason().toLowerCase().contains("panic"), c.reason());
                }
            }
            var health = store.health("second").orElseThrow();
            assertEquals(health.healthy(), false, "second is unhealthy: " + health.reason());
            // virtual-lab's cells are kernel verdicts (FAILs), so it is never health-checked, let alone marked unhealthy
            var ok = store.health("virtual-lab");
            assertTrue(ok.map(h -> h.healthy()).orElse(true), "virtual-lab stays healthy: " + ok);
            assertFalse(log.contains("[virtual-lab] health check") && log.contains("FAILED"), log);
            assertEquals(store.cells("health-it/2026-11-27", null).stream().filter(c -> c.host().equals("virtual-lab"))
                    .filter(c -> "FAIL".equals(c.verdict())).count(), 2L, "both of virtual-lab's cells ran to a verdict");
        }
        String html = Files.readString(reports.resolve("nightly/health-it/2026-11-27/index.html"));
        assertTrue(html.contains("UNHEALTHY"), "the report shows the host unhealthy");
        String junit = Files.readString(reports.resolve("nightly/health-it/2026-11-27/junit.xml"));
        assertTrue(junit.contains("name=\"second\" tests=\"1\" failures=\"0\" errors=\"1\""), junit);
        tdb.close();

        // the second lab, its BMC dead (left over): `lab down` leaves no process, port, pty, state or lock behind
        Path dir = lab.dir(SECOND);
        long qemuPid = Processes.readPid(dir.resolve("qemu.pid")).orElse(-1L);
        assertTrue(lab.liveness(SECOND).leftOver(), lab.liveness(SECOND).why());
        // the dead BMC's pid, as if the number now belonged to someone else's process: never signalled
        Process stranger = ChildProcesses.track(new ProcessBuilder("sleep", "600").start());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var state = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(dir.resolve("state.json").toFile());
        state.put("bmcPid", stranger.pid());
        Files.writeString(dir.resolve("state.json"), json.writeValueAsString(state));
        lab.down(SECOND);
        assertTrue(stranger.isAlive(), "lab down signalled nobody else's process");
        stranger.destroyForcibly();
        assertFalse(Processes.alive(second.relayPid()), "console relay gone");
        assertFalse(qemuPid > 0 && Processes.alive(qemuPid), "QEMU gone");
        FreePorts ports = new FreePorts(second.host());
        assertTrue(ports.free(second.bmcPort(), true), "BMC port free");
        for (int p : new int[] {second.sshPort(), second.consolePort(), second.vmPort()}) {
            assertTrue(ports.free(p, false), "port " + p + " free");
        }
        assertFalse(Files.exists(dir.resolve("state.json")));
        assertFalse(Files.exists(dir.resolve("ttyS0")), "pty link removed");
        try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.WRITE);
             FileLock l = ch.tryLock()) {
            assertNotNull(l, "no lock held");
        }
        assertFalse(lab.down(SECOND), "down twice: nothing to do");
        // the first lab was not disturbed
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("echo alive", Duration.ofSeconds(10)), "alive");
        }
    }
}
