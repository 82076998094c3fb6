package io.kdumplab.harness.lab;

import io.kdumplab.harness.support.Ipmitool;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.Processes;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import org.testng.annotations.Test;

import java.time.Duration;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Acceptance of the virtual lab against the real thing: ipmi_sim + QEMU guest,
 * driven by an independent client (ipmitool) and by SSH. Methods run in order;
 * each leaves the guest up with SSH answering.
 */
@Test(groups = "lab", singleThreaded = true)
public class VirtualLabIT {
    private static final Duration BACK = Duration.ofSeconds(240);
    private static final Pattern CAPTURE_KERNEL = Pattern.compile("Linux version .*|Command line: .*elfcorehdr=.*");

    @Test(priority = 0)
    public void statusShowsBmcPowerSshAndKdumpReady() {
        LabState s = LabFixture.up();
        LabStatus st = LabFixture.lab().status(LabFixture.NAME);
        assertTrue(st.up());
        assertTrue(st.bmc().reachable(), "BMC reachable: " + st.bmc().error());
        assertEquals(st.bmc().power(), "on");
        assertTrue(st.ssh().answers(), "SSH answers: " + st.ssh().error());
        assertTrue(st.kdump().ready(), "kdump ready");
        assertTrue(st.kdump().crashkernel().contains("192M"), st.kdump().crashkernel());
        assertTrue(st.runningKernel().endsWith("-amd64") && !st.runningKernel().contains("-rt-"),
                "default boot entry is the stock kernel: " + st.runningKernel());
        assertTrue(st.ssh().hostKeyFingerprint().startsWith("SHA256:"));
        assertTrue(new java.io.File(s.ptyLink()).exists(), "local serial device exists");
    }

    @Test(priority = 0)
    public void statusJsonHasEverythingAClientNeeds() throws Exception {
        LabFixture.up();
        var cl = io.kdumplab.harness.cli.Cli.create();
        java.io.StringWriter out = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out));
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buf, true));
        int code;
        try {
            code = cl.execute("lab", "status", "--json", "--name", LabFixture.NAME);
        } finally {
            System.setOut(old);
        }
        assertEquals(code, 0);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(buf.toString());
        assertTrue(json.at("/bmc/reachable").asBoolean());
        assertEquals(json.at("/bmc/power").asText(), "on");
        assertTrue(json.at("/bmc/passwordFile").asText().endsWith("bmc-password"));
        assertTrue(json.at("/bmc/port").asInt() > 0);
        assertTrue(json.at("/ssh/answers").asBoolean());
        assertTrue(json.at("/ssh/hostKeyFingerprint").asText().startsWith("SHA256:"));
        assertTrue(json.at("/ssh/key").asText().endsWith("id_ed25519"));
        assertTrue(json.at("/console/serialDevice").asText().endsWith("ttyS0"));
        assertTrue(json.at("/console/tcp").asText().startsWith("127.0.0.1:"));
        assertTrue(json.at("/console/sol").asText().contains("sol activate"));
        assertTrue(json.at("/kdump/ready").asBoolean());
        // the image's kernels by role (what tests and users ask for instead of naming a release)
        assertEquals(json.at("/kernels/defaultKernel").asText(), LabFixture.kernels().defaultKernel());
        assertEquals(json.at("/kernels/rt").asText(), LabFixture.kernels().rt());
        assertEquals(json.at("/kernels/bisection").size(), 3, json.at("/kernels").toString());
        assertTrue(json.at("/up").asBoolean() && json.at("/condition").asText().equals("up"), json.toString());
        assertFalse(buf.toString().contains(java.nio.file.Files.readString(
                java.nio.file.Path.of(json.at("/bmc/passwordFile").asText())).strip()), "no password in the status");
    }

    @Test(priority = 1)
    public void guestHasWhatTheHarnessNeeds() {
        try (SshShell t = LabFixture.ssh()) {
            // every kernel the image carries, by its exact package (the pins), with the headers the spammer builds against
            StringBuilder wanted = new StringBuilder("build-essential kdump-tools kexec-tools makedumpfile openssh-server");
            for (String k : LabFixture.kernels().all()) {
                wanted.append(" linux-image-").append(k).append(" linux-headers-").append(k);
            }
            String pkgs = t.check("dpkg-query -W -f='${db:Status-Status} ${Package}\\n' " + wanted, Duration.ofSeconds(30));
            assertEquals(pkgs.lines().filter(l -> l.startsWith("installed ")).count(), 5L + 2L * LabFixture.kernels().all().size(), pkgs);
            assertFalse(t.run("dpkg-query -W linux-image-amd64", Duration.ofSeconds(30)).ok(),
                    "no kernel metapackage: the image is the same whatever day it is built");
            String mods = t.check("lsmod | awk '{print $1}' | grep -E '^ipmi_(si|devintf|msghandler)$' | sort", Duration.ofSeconds(10));
            assertEquals(mods, "ipmi_devintf\nipmi_msghandler\nipmi_si");
            assertTrue(t.check("ls /dev/ipmi0", Duration.ofSeconds(10)).contains("/dev/ipmi0"), "KCS BMC interface");
            assertTrue(t.check("systemctl is-active serial-getty@ttyS0", Duration.ofSeconds(10)).contains("active"));
            assertTrue(t.check("cat /proc/tty/driver/serial | grep '^0:'", Duration.ofSeconds(10)).contains("16550A"),
                    "ttyS0 is an 8250/16550 UART");
            assertTrue(t.check("cat /etc/default/grub.d/*.cfg", Duration.ofSeconds(10)).contains("crashkernel="),
                    "the kernel command line is owned by grub.d");
        }
    }

    @Test(priority = 2)
    public void sshRefusesAWrongPinnedHostKey() {
        LabState s = LabFixture.up();
        SshEndpoint good = LabEndpoints.ssh(s);
        SshEndpoint wrong = new SshEndpoint(good.host(), good.port(), good.user(), good.privateKey(),
                "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", null);
        InfrastructureException e = expectThrows(InfrastructureException.class,
                () -> SshShell.connect(wrong, Duration.ofSeconds(10)).close());
        assertEquals(e.component(), "ssh");
        assertTrue(e.getMessage().contains("does not match the pinned key"), e.getMessage());
        // known_hosts pinning works too
        SshEndpoint viaKnownHosts = new SshEndpoint(good.host(), good.port(), good.user(), good.privateKey(), null,
                good.knownHosts());
        try (SshShell t = SshShell.connect(viaKnownHosts, Duration.ofSeconds(10))) {
            assertEquals(t.check("echo ok", Duration.ofSeconds(10)), "ok");
        }
    }

    /**
     * Off, on, reset and cycle through an independent client (ipmitool), the BMC's acceptance, for one full boot:
     * "on" and "reset" are proven by a fresh kernel banner on the console (the guest started booting), only the
     * last action, "cycle", is waited for up to SSH with a new boot id.
     */
    @Test(priority = 3)
    public void ipmitoolPowerOffOnResetCycleRebootTheGuest() {
        LabState s = LabFixture.up();
        String boot = bootId();
        assertTrue(Ipmitool.run(s, "chassis", "power", "status").output().contains("Chassis Power is on"));
        Processes.Outcome off = Ipmitool.run(s, "chassis", "power", "off");
        assertTrue(off.ok(), off.output());
        try {
            Wait.until(Deadline.in("QEMU gone after power off", Duration.ofSeconds(40)), Duration.ofMillis(500),
                    () -> io.kdumplab.harness.lab.LabProcesses.qemuAlive(LabFixture.lab().dir(LabFixture.NAME))
                            ? Wait.Result.notYet("QEMU still running") : Wait.Result.ready(true));
            // the BMC notices its child's exit a moment after it is gone: its status follows, it is not instantaneous
            Wait.until(Deadline.in("the BMC says power off", Duration.ofSeconds(20)), Duration.ofMillis(500),
                    () -> Ipmitool.run(s, "chassis", "power", "status").output().contains("Chassis Power is off")
                            ? Wait.Result.ready(true) : Wait.Result.notYet("still on"));
            for (String action : new String[] {"on", "reset"}) {
                long mark = LabFixture.consoleMark();
                Processes.Outcome o = Ipmitool.run(s, "chassis", "power", action);
                assertTrue(o.ok(), action + ": " + o.output());
                awaitKernelBanner(mark, "power " + action);
                assertTrue(Ipmitool.run(s, "chassis", "power", "status").output().contains("Chassis Power is on"), action);
            }
            Processes.Outcome cycle = Ipmitool.run(s, "chassis", "power", "cycle");
            assertTrue(cycle.ok(), "cycle: " + cycle.output());
            waitForNewBoot(boot);
        } finally {
            // whatever failed above, the next classes need a powered guest: never leave the lab off
            if (Ipmitool.run(s, "chassis", "power", "status").output().contains("Chassis Power is off")) {
                Ipmitool.run(s, "chassis", "power", "on");
                LabFixture.awaitSsh(Duration.ofSeconds(240));
            }
        }
    }

    private static void awaitKernelBanner(long mark, String after) {
        Wait.until(Deadline.in("kernel banner on the console after " + after, Duration.ofSeconds(90)), Duration.ofMillis(500),
                () -> LabFixture.consoleSince(mark).contains("Linux version") ? Wait.Result.ready(true)
                        : Wait.Result.notYet("no kernel banner yet"));
    }

    @Test(priority = 5)
    public void diagNmiIsLoggedWithoutPanicByDefault() {
        LabState s = LabFixture.up();
        try (SshShell t = LabFixture.ssh()) {
            t.check("sysctl -w kernel.unknown_nmi_panic=0 && dmesg -C", Duration.ofSeconds(10));
            Processes.Outcome o = Ipmitool.run(s, "chassis", "power", "diag");
            assertTrue(o.ok() && o.output().contains("Diag"), o.output());
            String dmesg = Wait.until(Deadline.in("guest logs the NMI", Duration.ofSeconds(30)), Duration.ofSeconds(1), () -> {
                String d = t.run("dmesg", Duration.ofSeconds(10)).out();
                return d.contains("NMI received") ? Wait.Result.ready(d) : Wait.Result.notYet("no NMI line in dmesg yet");
            });
            assertTrue(dmesg.contains("Uhhuh. NMI received for unknown reason"), dmesg);
        }
        // like a real BMC, the lab's logs the interrupt in its event log, as ipmitool reads it
        Processes.Outcome sel = Ipmitool.run(s, "sel", "elist");
        assertTrue(sel.ok() && sel.output().contains("Critical Interrupt") && sel.output().contains("NMI/Diag Interrupt"),
                sel.output());
    }

    // diag NMI -> panic -> dump, as an independent client's check of the lab, is not paid here: ipmitool's diag reaching
    // the guest is shown above, and every NMI run of the suite (SolReproIT first) shows the dump that follows

    // sysrq-c -> dump with the banner and the capture kernel on the console: ReproIT.sysrqControlPasses pays that crash

    @Test(priority = 8)
    public void solShowsTheGuestConsole() throws Exception {
        LabState s = LabFixture.up();
        // ipmitool's SOL needs a terminal: give it one with script(1), type a line, read it back.
        Ipmitool.run(s, "sol", "deactivate");
        java.nio.file.Path out = java.nio.file.Files.createTempFile("sol", ".txt");
        String ipmitool = String.join(" ", "ipmitool -I lanplus -C 3 -H", s.host(), "-p", Integer.toString(s.bmcPort()),
                "-U", s.bmcUser(), "-f", s.bmcPasswordFile(), "sol activate");
        Process p = new ProcessBuilder("script", "-qfec", ipmitool, out.toString()).redirectErrorStream(true).start();
        try {
            Thread.sleep(3000);
            p.getOutputStream().write("\r".getBytes());
            p.getOutputStream().flush();
            String seen = Wait.until(Deadline.in("login prompt over SOL", Duration.ofSeconds(30)), Duration.ofSeconds(1), () -> {
                String t = java.nio.file.Files.readString(out, java.nio.charset.StandardCharsets.ISO_8859_1);
                return t.contains("login:") ? Wait.Result.ready(t) : Wait.Result.notYet(t.length() + " bytes");
            });
            assertTrue(seen.contains("kdump-lab login:"), seen);
        } finally {
            p.getOutputStream().write("~.".getBytes());
            p.getOutputStream().flush();
            p.destroy();
            p.waitFor();
            Ipmitool.run(s, "sol", "deactivate");
        }
    }

    @Test(priority = 9)
    public void consoleReachesTheHarnessAsSerialDeviceAndAsConsoleServer() throws Exception {
        LabState s = LabFixture.up();
        for (io.kdumplab.harness.device.console.ConsoleConnector c : java.util.List.of(
                new io.kdumplab.harness.device.console.SerialConsoleConnector(s.ptyLink(), 115200, m -> { }),
                new io.kdumplab.harness.device.console.TcpConsoleConnector(s.host(), s.consolePort()))) {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("console");
            try (var cap = new io.kdumplab.harness.device.console.ConsoleCapture(c, dir, m -> { }).start()) {
                Wait.until(Deadline.in("connected to " + c.describe(), Duration.ofSeconds(10)), Duration.ofMillis(200),
                        () -> cap.connected() ? Wait.Result.ready(true) : Wait.Result.notYet("not yet"));
                int from = cap.lineCount();
                try (SshShell t = LabFixture.ssh()) {
                    t.check("echo '<3>console-check-" + c.getClass().getSimpleName() + "' > /dev/kmsg", Duration.ofSeconds(10));
                }
                cap.await(java.util.regex.Pattern.compile("console-check-" + c.getClass().getSimpleName()), from,
                        Deadline.in("kernel message on " + c.describe(), Duration.ofSeconds(20)));
            }
        }
    }

    private static String bootId() {
        try (SshShell t = LabFixture.ssh()) {
            return t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10));
        }
    }

    private static void waitForNewBoot(String oldBootId) {
        Wait.until(Deadline.in("guest back with a new boot id", BACK), Duration.ofSeconds(3), () -> {
            try (SshShell t = LabFixture.probe()) {
                String id = t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10));
                return id.equals(oldBootId) ? Wait.Result.notYet("same boot") : Wait.Result.ready(id);
            }
        });
    }
}
