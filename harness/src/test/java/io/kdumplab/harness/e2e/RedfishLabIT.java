package io.kdumplab.harness.e2e;

import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.lab.LabStatus;
import io.kdumplab.harness.lab.RedfishFaults;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.util.Secret;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/**
 * The lab's Redfish BMC as partner servers have it: independent clients (Debian's redfishtool and python3-sushy)
 * drive it, and the field faults end as what they are: a BMC without Nmi is refused before anything is touched, and
 * one that answers a reset with success and does nothing is an infrastructure error naming the BMC, never a FAIL.
 * (A repro run's NMI over Redfish, PASS with the vmcore read back and no password anywhere, is HostHoldIT's first
 * run: one crash cycle proves both.)
 */
@Test(groups = "lab", singleThreaded = true)
public class RedfishLabIT {
    private static final Path REPORTS = Path.of("target", "it-reports");

    @AfterMethod(alwaysRun = true)
    public void wellBehavedBmc() {
        LabState s = LabFixture.up();
        RedfishFaults.write(LabFixture.lab().dir(s.name()), RedfishFaults.NONE);
    }

    private static TargetHost redfishHost() throws Exception {
        LabFixture.up();
        return Inventory.load(LabFixture.redfishInventory()).resolve("virtual-lab", LabFixture.lab().running());
    }

    private static String run(List<String> command, Path stdoutTo) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // requests lets REQUESTS_CA_BUNDLE override a session's own CA file: the clients get a clean environment
        pb.environment().remove("REQUESTS_CA_BUNDLE");
        pb.environment().remove("CURL_CA_BUNDLE");
        Process p = ChildProcesses.track(pb.start());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "client finished: " + command.get(0));
        if (stdoutTo != null) {
            Files.writeString(stdoutTo, out);
        }
        assertEquals(p.exitValue(), 0, String.join(" ", command.subList(0, 2)) + ": " + out);
        return out;
    }

    private static long nmiCount() {
        try (SshShell t = LabFixture.ssh()) {
            return Long.parseLong(t.check("awk '/^ *NMI:/ {s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s}' "
                    + "/proc/interrupts", Duration.ofSeconds(10)));
        }
    }

    private static String bootId() {
        try (SshShell t = LabFixture.ssh()) {
            return t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10));
        }
    }

    /** OpenSSH (SSH_ASKPASS, no key offered) logs in to the lab's SSH console with its password and reads the console. */
    private static void openSshReadsTheConsoleWithThePassword(LabState lab, LabState.SshConsole sc) throws Exception {
        Path askpass = Files.createTempFile("askpass", ".sh");
        Files.writeString(askpass, "#!/bin/sh\nexec cat " + sc.passwordFile() + "\n");
        Files.setPosixFilePermissions(askpass, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder pb = new ProcessBuilder("ssh", "-p", Integer.toString(sc.port()), "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + sc.knownHosts(), "-o", "PubkeyAuthentication=no", "-o",
                "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1", "-T",
                sc.passwordUser() + "@" + lab.host()).redirectErrorStream(true);
        pb.environment().put("SSH_ASKPASS", askpass.toString());
        pb.environment().put("SSH_ASKPASS_REQUIRE", "force");
        Process ssh = ChildProcesses.track(pb.start());
        StringBuffer seen = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var in = ssh.getInputStream()) {
                byte[] b = new byte[4096];
                for (int n; (n = in.read(b)) > 0; ) {
                    seen.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (java.io.IOException ignored) {
                // the process was stopped
            }
        }, "openssh-console");
        reader.start();
        String marker = "openssh-password-console-" + System.nanoTime();
        try {
            Wait.until(Deadline.in("the marker on OpenSSH's console session", Duration.ofSeconds(30)), Duration.ofSeconds(1), () -> {
                try (SshShell t = LabFixture.ssh()) {
                    t.check("echo " + marker + " > /dev/kmsg", Duration.ofSeconds(10));
                }
                return seen.toString().contains(marker) ? Wait.Result.ready(true) : Wait.Result.notYet(seen.length() + " bytes");
            });
        } finally {
            ssh.destroy();
            ssh.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** `host check` on the lab: ready, through the IPMI BMC (the CLI, as a user runs it) and through the Redfish one. */
    @Test(priority = 0)
    public void hostCheckFindsTheLabReadyThroughEitherBmc() throws Exception {
        LabFixture.up();
        Path log = Files.createTempFile("host-check", ".log");
        Process p = ChildProcesses.track(HarnessProcess.builder(log.getParent(), log, "host", "check", "--lab", LabFixture.NAME)
                .start());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 0, out);
        assertTrue(out.contains("ready for a run") && out.contains("capture kernel") && out.contains("NMI offered"), out);
        TargetHost rf = redfishHost();
        io.kdumplab.harness.run.HostCheck.Report r;
        try (var device = io.kdumplab.harness.device.drivers.Devices.of(rf)) {
            r = io.kdumplab.harness.run.HostCheck.check(rf, device, Files.createTempDirectory("check"));
        }
        assertTrue(r.ready(), r.toString());
        assertTrue(r.items().stream().anyMatch(i -> i.check().equals("bmc") && i.detail().contains("Redfish BMC")), r.toString());
        assertTrue(out.contains("(RMCP+, cipher suite 3 (set in the inventory))"), "the lab's BMC is set to 3: " + out);

        // the lab as a real site's inventory names it: its BMC with no suite set (the harness asks, "Get Channel Cipher
        // Suites" before a session; ipmi_sim does not answer that, so 3 is used and said), and its SSH console logged in
        // to with a password, as BMCs' consoles take one (the console carries the check's /dev/kmsg marker)
        LabState lab = LabFixture.up();
        LabState.SshConsole sc = lab.sshConsole();
        assertNotNull(sc.passwordUser(), "setup-host.sh made the SSH console's password login: " + sc);
        Path written = Files.createTempFile("negotiating", ".yaml");
        Files.writeString(written, "hosts:\n  - name: virtual-lab\n    ssh: {host: " + lab.host() + ", port: " + lab.sshPort()
                + ", user: " + lab.sshUser() + ", key: " + lab.sshKey() + ", host_key_fingerprint: \"" + lab.hostKeyFingerprint()
                + "\"}\n    bmc: {host: " + lab.host() + ", port: " + lab.bmcPort() + ", user: " + lab.bmcUser() + ", password_file: "
                + lab.bmcPasswordFile() + "}\n    console: {type: ssh, host: " + lab.host() + ", port: " + sc.port() + ", user: "
                + sc.passwordUser() + ", password_file: " + sc.passwordFile() + ", host_key_fingerprint: \""
                + sc.hostKeyFingerprint() + "\"}\n");
        Path negotiatedLog = Files.createTempFile("host-check-negotiated", ".log");
        Process n = ChildProcesses.track(HarnessProcess.builder(negotiatedLog.getParent(), negotiatedLog, "host", "check", "-i",
                written.toString(), "virtual-lab").start());
        assertTrue(n.waitFor(3, TimeUnit.MINUTES));
        String negotiated = Files.readString(negotiatedLog);
        assertEquals(n.exitValue(), 0, negotiated);
        assertTrue(negotiated.contains("(RMCP+, cipher suite 3; the BMC does not list its suites before a session)"), negotiated);
        assertTrue(negotiated.contains("SSH console " + sc.passwordUser() + "@" + lab.host() + ":" + sc.port()), negotiated);
        assertFalse(negotiated.contains(Files.readString(Path.of(sc.passwordFile())).strip()), "the password is never shown");
        openSshReadsTheConsoleWithThePassword(lab, sc);

        // a host with both BMCs whose preferred Redfish BMC drops every connection (a crash-looping web server; a busy
        // one answering 503 past its bound ends the same way, RedfishBmcTest): its IPMI BMC stands in, and the check says so
        LabState s = LabFixture.up();
        RedfishFaults.write(LabFixture.lab().dir(s.name()), new RedfishFaults(0, null, false, false, true));
        Path both = Files.createTempFile("both-bmcs", ".yaml");
        Files.writeString(both, "hosts:\n  - {name: virtual-lab, lab: " + LabFixture.NAME + ", bmc: {type: redfish}, "
                + "fallback_bmc: {type: ipmi}, console: {type: tcp}}\n");
        Path fallbackLog = Files.createTempFile("host-check-fallback", ".log");
        Process f = ChildProcesses.track(HarnessProcess.builder(fallbackLog.getParent(), fallbackLog, "host", "check", "-i",
                both.toString(), "virtual-lab").start());
        assertTrue(f.waitFor(3, TimeUnit.MINUTES));
        String fallback = Files.readString(fallbackLog);
        assertEquals(f.exitValue(), 0, fallback);
        assertTrue(fallback.contains("(fallback), power on, NMI offered; the preferred Redfish BMC admin@127.0.0.1:"
                + s.redfishPort() + " could not be reached"), fallback);
        RedfishFaults.write(LabFixture.lab().dir(s.name()), RedfishFaults.NONE);

        // a BMC that does not answer (ipmi_sim stopped): host check names it and exits 125
        new ProcessBuilder("kill", "-STOP", Long.toString(s.bmcPid())).start().waitFor();
        Path stoppedLog = Files.createTempFile("host-check-bmc-stopped", ".log");
        try {
            Process q = ChildProcesses.track(HarnessProcess.builder(stoppedLog.getParent(), stoppedLog, "host", "check", "--lab",
                    LabFixture.NAME).start());
            assertTrue(q.waitFor(3, TimeUnit.MINUTES));
            String stopped = Files.readString(stoppedLog);
            assertEquals(q.exitValue(), 125, stopped);
            assertTrue(stopped.matches("(?s).*bmc\\s+UNREACHABLE\\s+.*127\\.0\\.0\\.1:" + s.bmcPort() + ".*"), stopped);
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(s.bmcPid())).start().waitFor();
        }
    }

    @Test(priority = 1)
    public void independentClientsLogInReadTheSystemSendNmiAndPowerCycle() throws Exception {
        LabState s = LabFixture.up();
        Path dir = LabFixture.lab().dir(s.name());
        LabStatus st = LabFixture.lab().status(s.name());
        assertTrue(st.redfish() != null && st.redfish().reachable(), "lab status shows the Redfish BMC: " + st.redfish());
        assertEquals(st.redfish().power(), "on");
        String url = st.redfish().url();
        String hostPort = url.replaceFirst("^https://", "").replaceFirst("/.*", "");
        // the lab's certificate as a CA file for sushy (pinned by fingerprint for the harness)
        Path pem = dir.resolve("redfish-cert.pem");
        run(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-exportcert", "-rfc", "-alias", "redfish",
                "-keystore", dir.resolve("redfish.p12").toString(), "-storepass:file", dir.resolve("redfish-keystore-password").toString(),
                "-file", pem.toString()), null);

        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("sysctl -n kernel.unknown_nmi_panic", Duration.ofSeconds(10)), "0", "an NMI is logged, not fatal");
        }
        String bootBefore = bootId();
        long nmisBefore = nmiCount();
        int selMark;
        try (var device = io.kdumplab.harness.device.drivers.Devices.of(redfishHost())) {
            selMark = device.freshBmc().eventLogMark().orElseThrow();
        }
        Path script = Files.createTempFile("sushy", ".py");
        Files.writeString(script, String.join("\n",
                "import sys, sushy",
                "url, user, pwfile, ca = sys.argv[1:5]",
                "s = sushy.Sushy(url, username=user, password=open(pwfile).read().strip(), verify=ca)",
                "system = s.get_system('/redfish/v1/Systems/1')",
                "print('power', system.power_state)",
                "print('allowed', sorted(str(v) for v in system.get_allowed_reset_system_values()))",
                "system.reset_system(sushy.ResetType.NMI)",
                "print('nmi sent')", ""));
        String sushy = run(List.of("/usr/bin/python3", script.toString(), url, s.bmcUser(), s.bmcPasswordFile(), pem.toString()), null);
        assertTrue(sushy.contains("power PowerState.ON") && sushy.contains("ResetType.NMI") && sushy.contains("nmi sent"), sushy);
        // the NMI reached the guest: its NMI count went up (the evidence a run uses for "the NMI arrived")
        Wait.until(Deadline.in("the guest's NMI count in /proc/interrupts going up", Duration.ofSeconds(30)), Duration.ofSeconds(1),
                () -> nmiCount() > nmisBefore ? Wait.Result.ready(true) : Wait.Result.notYet("still " + nmisBefore));
        assertEquals(bootId(), bootBefore, "an NMI without panic sysctls leaves the guest running");
        // the BMC logged it, and its Redfish LogService serves the entry: to the harness's driver and to redfishtool
        try (var device = io.kdumplab.harness.device.drivers.Devices.of(redfishHost())) {
            var events = device.freshBmc().eventsAfter(selMark);
            assertEquals(events.size(), 1, "one SEL entry for the NMI, over Redfish: " + events);
            assertTrue(events.get(0).sensor().startsWith("CriticalInterrupt"), events.toString());
        }

        // redfishtool takes its password on the command line only: a test client, not the harness
        String password = Secret.fromFile(Path.of(s.bmcPasswordFile())).reveal();
        List<String> rt = new ArrayList<>(List.of("redfishtool", "-r", hostPort, "-S", "Always", "-u", s.bmcUser(), "-p", password,
                "-A", "Session", "Systems"));
        assertTrue(run(rt, null).contains("/redfish/v1/Systems/1"));
        List<String> sel = new ArrayList<>(rt.subList(0, rt.size() - 1));
        sel.addAll(List.of("raw", "GET", "/redfish/v1/Systems/1/LogServices/SEL/Entries"));
        String entries = run(sel, null);
        assertTrue(entries.contains("\"SensorType\": \"CriticalInterrupt\"") || entries.contains("CriticalInterrupt"), entries);
        rt.addAll(List.of("-I", "1", "reset", "PowerCycle"));
        run(rt, null);
        Wait.until(Deadline.in("the guest back with a new boot after redfishtool's PowerCycle", Duration.ofSeconds(240)),
                Duration.ofSeconds(3), () -> {
                    try (SshShell p = LabFixture.probe()) {
                        String id = p.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(8));
                        return id.equals(bootBefore) ? Wait.Result.notYet("same boot") : Wait.Result.ready(true);
                    }
                });
    }

    @Test(priority = 3)
    public void aBmcWithoutNmiIsRefusedBeforeAnythingIsTouched() throws Exception {
        TargetHost host = redfishHost();
        LabState s = LabFixture.up();
        RedfishFaults.write(LabFixture.lab().dir(s.name()), new RedfishFaults(0, null, false, true, false));
        String boot = bootId();
        RunResult r = new ReproRun(host, Scenario.seed(), new ReproRun.Options(true, Duration.ofSeconds(60), m -> { }), REPORTS)
                .execute();
        assertEquals(r.verdict, Verdict.CONFIG_ERROR, r.reason);
        assertEquals(r.failedStep, "preflight");
        assertTrue(r.reason.contains("offers no Nmi reset") && r.reason.contains("ForceRestart, PowerCycle"), r.reason);
        assertEquals(bootId(), boot);
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("sysctl -n kernel.unknown_nmi_panic", Duration.ofSeconds(10)), "0", "no sysctl was changed");
        }
    }

    @Test(priority = 4)
    public void aResetThatAnswersSuccessAndDoesNothingIsTheBmcsFaultNeverAFail() throws Exception {
        TargetHost host = redfishHost();
        LabState s = LabFixture.up();
        RedfishFaults.write(LabFixture.lab().dir(s.name()), new RedfishFaults(0, null, true, false, false));
        // no flood: a quiet console ends the wait for a panic after hang-after, not after the capture-kernel timeout
        Scenario quiet = Scenario.seed().withSpammer(new Scenario.Spammer(false, 4, 1000, 80, 3));
        RunResult r = new ReproRun(host, quiet, new ReproRun.Options(true, Duration.ofSeconds(15),
                m -> System.err.println("[repro no-op bmc] " + m)), REPORTS).execute();
        assertEquals(r.verdict, Verdict.INFRA_ERROR, r.reason);
        assertTrue(r.reason.contains("Redfish BMC") && r.reason.contains("acknowledged the NMI, but the host never received one"),
                r.reason);
        assertTrue(r.hostBackInService == null || r.hostBackInService, "the host was never crashed");
    }
}
