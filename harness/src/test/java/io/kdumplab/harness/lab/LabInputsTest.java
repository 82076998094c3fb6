package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.ConfigurationException;
import org.testng.annotations.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** Bad input and faults give one clear message that says what to do. */
@Test(groups = "unit")
public class LabInputsTest {

    @Test
    public void missingPrerequisiteNamesThePackage() {
        Prerequisites p = new Prerequisites(what -> !Set.of("ipmi_sim", "/usr/include/OpenIPMI/serv.h").contains(what));
        ConfigurationException e = expectThrows(ConfigurationException.class, p::requireForLab);
        assertTrue(e.getMessage().contains("ipmi_sim (package openipmi)"), e.getMessage());
        assertTrue(e.hint().contains("apt-get install -y openipmi libopenipmi-dev"), e.hint());
    }

    @Test
    public void requestedPortInUseIsRefusedWithTheRemedy() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             DatagramSocket busyUdp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            FreePorts ports = new FreePorts("127.0.0.1");
            ConfigurationException e = expectThrows(ConfigurationException.class,
                    () -> ports.tcp("SSH forward", busy.getLocalPort()));
            assertTrue(e.getMessage().contains("SSH forward port " + busy.getLocalPort() + "/tcp"), e.getMessage());
            assertTrue(e.hint().contains("omit the option"), e.hint());
            ConfigurationException u = expectThrows(ConfigurationException.class,
                    () -> ports.udp("BMC (RMCP+)", busyUdp.getLocalPort()));
            assertTrue(u.getMessage().contains("/udp"), u.getMessage());
        }
    }

    @Test
    public void freePortsAreDistinct() {
        FreePorts ports = new FreePorts("127.0.0.1");
        int a = ports.tcp("a", 0);
        int b = ports.tcp("b", 0);
        int c = ports.udp("c", 0);
        assertNotEquals(a, b);
        assertNotEquals(b, c);
        assertNotEquals(a, c);
    }

    @Test
    public void labSpecRejectsBadValues() {
        assertTrue(expectThrows(ConfigurationException.class, () -> new LabSpec("bad name", "tcg", 2048, 2, 115200, 0, 0, 0))
                .getMessage().contains("invalid lab name"));
        assertTrue(expectThrows(ConfigurationException.class, () -> new LabSpec("x", "hvf", 2048, 2, 115200, 0, 0, 0))
                .hint().contains("--accel tcg"));
        assertEquals(LabSpec.defaults("x").lineBytesPerSecond(), 11520);
    }

    @Test
    public void bmcConfigKeepsThePasswordOutOfTheStartCommand() {
        List<String> qemu = QemuCommand.build(LabSpec.defaults("t"), Path.of("/tmp/lab t"), Path.of("/tmp/lab t/disk.qcow2"),
                "127.0.0.1", 2222, 3333);
        String conf = BmcConfig.lanConf("t", "127.0.0.1", 9001, 3333, 4444, "/x/diag.so", "admin", "s3cret", qemu, "/tmp/q.log");
        assertTrue(conf.contains("loadlib \"/x/diag.so\" \"\""), "plugin loaded");
        assertTrue(conf.contains("serial 15 127.0.0.1 3333 codec VM"));
        assertTrue(conf.contains("sol \"tcp:127.0.0.1:4444\" 115200"));
        assertTrue(conf.contains("'/tmp/lab t/disk.qcow2'") || conf.contains("'file=/tmp/lab t/disk.qcow2"), conf);
        String startcmd = conf.lines().filter(l -> l.contains("startcmd")).findFirst().orElseThrow();
        assertFalse(startcmd.contains("s3cret"));
        assertTrue(startcmd.contains("-accel tcg"));
        assertTrue(expectThrows(IllegalArgumentException.class,
                () -> BmcConfig.lanConf("t", "h", 1, 2, 3, "p", "u", "a\"b", qemu, "l")).getMessage().contains("quotes"));
    }
}
