package io.kdumplab.harness.lab;

import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.util.Processes;
import org.testng.annotations.Test;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** Two named labs side by side; `lab up` twice; `lab down` leaves nothing behind. */
@Test(groups = "lab", singleThreaded = true)
public class LabLifecycleIT {
    private static final String SECOND = "it-second";

    @Test
    public void twoLabsRunSideBySideAndDownLeavesNothingBehind() throws Exception {
        LabState first = LabFixture.up();
        VirtualLab lab = LabFixture.lab();
        lab.down(SECOND);
        LabState second = lab.up(LabSpec.defaults(SECOND));
        try {
            assertNotEquals(second.bmcPort(), first.bmcPort());
            assertNotEquals(second.sshPort(), first.sshPort());
            assertNotEquals(second.consolePort(), first.consolePort());
            for (LabState s : new LabState[] {first, second}) {
                try (SshShell t = SshShell.connect(VirtualLab.sshEndpoint(s), Duration.ofSeconds(10))) {
                    assertEquals(t.check("hostname", Duration.ofSeconds(10)), "kdump-lab");
                }
            }
            ConfigurationException twice = expectThrows(ConfigurationException.class, () -> lab.up(LabSpec.defaults(SECOND)));
            assertTrue(twice.getMessage().contains("lab '" + SECOND + "' is already up"), twice.getMessage());
            assertTrue(twice.hint().contains("lab down --name " + SECOND), twice.hint());
        } finally {
            long qemuPid = Processes.readPid(lab.dir(SECOND).resolve("qemu.pid")).orElse(-1L);
            assertTrue(lab.down(SECOND), "was up");
            assertFalse(Processes.alive(second.bmcPid()), "ipmi_sim gone");
            assertFalse(Processes.alive(second.relayPid()), "console relay gone");
            assertFalse(Processes.alive(qemuPid), "QEMU gone");
            FreePorts ports = new FreePorts(second.host());
            assertTrue(ports.free(second.bmcPort(), true), "BMC port free");
            for (int p : new int[] {second.sshPort(), second.consolePort(), second.vmPort()}) {
                assertTrue(ports.free(p, false), "port " + p + " free");
            }
            Path dir = lab.dir(SECOND);
            assertFalse(Files.exists(dir.resolve("state.json")));
            assertFalse(Files.exists(dir.resolve("ttyS0")), "pty link removed");
            try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.WRITE);
                 FileLock l = ch.tryLock()) {
                assertNotNull(l, "no lock held");
            }
            assertFalse(lab.down(SECOND), "down twice: nothing to do");
        }
        // the first lab was not disturbed
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("echo alive", Duration.ofSeconds(10)), "alive");
        }
    }
}
