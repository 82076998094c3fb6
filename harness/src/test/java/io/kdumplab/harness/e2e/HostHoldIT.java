package io.kdumplab.harness.e2e;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.verdict.Verdict;

import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.support.ConsoleTap;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.support.TestDatabase;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * One host, one run, whatever machine it is run from: repro processes on the
 * lab, as users start them. With no database configured two runs started 2 s
 * apart run one after the other (the second waits naming the first) and a
 * third with --no-wait is refused naming the holder, and `host status` shows
 * the holder, the queue and the claim; orchestrators on separate
 * databases exclude each other through the claim on the host alone, and the
 * claim of one killed with -9 is taken over after its deadline. The second
 * run is the sysrq-c control (what ReproIT asserted of it before).
 * <p>
 * The two crash cycles also prove partner-hardware interfaces: the first run's NMI goes through the lab's Redfish
 * BMC and its console over the lab's SSH console; the second reads its console through ser2net (telnet, RFC 2217);
 * both send their dumps over SSH to the lab's dump server, where the harness reads them.
 */
@Test(groups = "lab", singleThreaded = true)
public class HostHoldIT {
    private static final Pattern RUN_ID = Pattern.compile("run (\\d{8}-\\d{6}-virtual-lab-[0-9a-f]+)");

    /** Watches every process's arguments for the BMC password while the runs go on. */
    static final class PasswordWatch {
        private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        private final List<String> leaks = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread thread;

        PasswordWatch(String password) {
            thread = new Thread(() -> {
                while (!done.get()) {
                    try (var procs = Files.list(Path.of("/proc"))) {
                        procs.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(p -> {
                            try {
                                String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                                if (cmd.contains(password)) {
                                    leaks.add(cmd);
                                }
                            } catch (Exception ignored) {
                                // the process is gone
                            }
                        });
                        Thread.sleep(200);
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "password-watch");
            thread.start();
        }

        List<String> stop() throws InterruptedException {
            done.set(true);
            thread.join();
            return leaks;
        }
    }

    private static Process harness(Path log, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = HarnessProcess.builder(log.getParent(), log, args);
        pb.environment().remove("HARNESS_DB_URL");
        pb.environment().putAll(env);
        return io.kdumplab.harness.support.ChildProcesses.track(pb.start());
    }

    private static String awaitLine(Path log, String needle, Duration timeout) {
        return Wait.until(Deadline.in("'" + needle + "' in " + log.getFileName(), timeout), Duration.ofMillis(100), () -> {
            String s = Files.exists(log) ? Files.readString(log) : "";
            return s.contains(needle) ? Wait.Result.ready(s) : Wait.Result.notYet(s.length() + " bytes");
        });
    }

    private static String runIdOf(String out) {
        Matcher m = RUN_ID.matcher(out);
        assertTrue(m.find(), "a run id in: " + out);
        return m.group(1);
    }

    @Test(priority = 0)
    public void twoReprosStartedTogetherRunOneAfterTheOtherAndNoWaitIsRefusedNamingTheHolder() throws Exception {
        LabFixture.up();
        Path work = Files.createTempDirectory("hold-same-machine");
        Path reports = work.resolve("reports");
        Path logA = work.resolve("a.log");
        Path logB = work.resolve("b.log");
        Path logC = work.resolve("c.log");
        String password = io.kdumplab.harness.inventory.Inventory.virtualLab(LabFixture.NAME, "tcp")
                .resolve("virtual-lab", LabFixture.lab().running()).bmc().password().reveal();
        PasswordWatch watch = new PasswordWatch(password);
        // both runs' dumps go over SSH to the lab's dump server (kdump-tools' SSH=), where the harness reads them: the
        // same crash cycles prove the SSH dump target (DumpTargetIT has its faults)
        LabState labState = LabFixture.dumpTarget(io.kdumplab.harness.lab.LabDumpTarget.Kind.SSH);
        String localDumpsBefore;
        try (SshShell t = LabFixture.ssh()) {
            localDumpsBefore = t.run("ls -R /var/crash 2>/dev/null", Duration.ofSeconds(10)).stdout();
            // the image ships the spammer prebuilt for its kernels: emptied here, the first run builds it on the
            // guest and caches it, the second takes it from there (the one build of the suite)
            t.check("rm -rf " + io.kdumplab.harness.run.ModuleSources.HOST_CACHE + "/printk_spammer && sync", Duration.ofSeconds(10));
        }
        // the first run goes through the lab's Redfish BMC (the same host, lease and claim): its NMI, over HTTPS; it
        // reads its console over the lab's SSH console (serial over SSH, as a BMC's port 2200). The second reads it
        // through the lab's telnet console server (ser2net, RFC 2217). The serial line is read alongside by a second
        // client of the lab's console relay.
        Path inventoryA = work.resolve("redfish-ssh-console.yaml");
        Files.writeString(inventoryA, "hosts:\n  - {name: virtual-lab, lab: " + LabFixture.NAME
                + ", bmc: {type: redfish}, console: {type: ssh}}\n");
        Path telnetInventory = work.resolve("telnet.yaml");
        Files.writeString(telnetInventory, "hosts:\n  - {name: virtual-lab, lab: " + LabFixture.NAME + ", console: {type: telnet}}\n");
        ConsoleTap serialLine = new ConsoleTap(labState);
        Process a = harness(logA, Map.of(), "repro", "-i", inventoryA.toString(), "--reports", reports.toString());
        Thread.sleep(2000);
        Process b = harness(logB, Map.of(), "repro", "-i", telnetInventory.toString(), "--control", "sysrq-c", "--reports",
                reports.toString());
        try {
            String outA = awaitLine(logA, "claim on virtual-lab taken", Duration.ofMinutes(3));
            String runA = runIdOf(outA);

            long t0 = System.nanoTime();
            Process c = harness(logC, Map.of(), "repro", "--lab", LabFixture.NAME, "--no-wait", "--reports", reports.toString());
            assertTrue(c.waitFor(60, TimeUnit.SECONDS));
            long refusedMs = (System.nanoTime() - t0) / 1_000_000;
            String outC = Files.readString(logC);
            assertEquals(c.exitValue(), 125, outC);
            assertTrue(outC.contains(runA), "the refusal names the holder's run id " + runA + ": " + outC);
            // the JVM's own start is part of the 10 s a user waits
            assertTrue(refusedMs < 10_000, "refused in " + refusedMs + " ms: " + outC);

            // who holds the host is one command away: the lease, the queue (the second run waits in it), the claim
            Path logStatus = work.resolve("status.log");
            Process status = harness(logStatus, Map.of(), "host", "status", "--lab", LabFixture.NAME);
            assertTrue(status.waitFor(60, TimeUnit.SECONDS));
            String st = Files.readString(logStatus);
            assertEquals(status.exitValue(), 0, st);
            assertTrue(st.contains("lease  : held by repro run " + runA), st);
            assertTrue(st.contains("queue 1: repro run ") && st.contains("(ON_DEMAND, waiting since"), st);
            assertTrue(st.contains("claim  : repro run " + runA + " by "), st);

            assertTrue(a.waitFor(10, TimeUnit.MINUTES), "first run ends");
            assertTrue(b.waitFor(10, TimeUnit.MINUTES), "second run ends after the first");
            List<String> leaks = watch.stop();
            outA = Files.readString(logA);
            String outB = Files.readString(logB);
            assertEquals(a.exitValue(), 0, outA);
            assertEquals(b.exitValue(), 0, outB);
            assertTrue(outB.contains("held by repro run " + runA) || outB.contains("is claimed by repro run " + runA),
                    "the second run names the holder while it waits: " + outB);
            String runB = runIdOf(outB.substring(outB.indexOf("claim on virtual-lab taken")));

            RunResult ra = RunResult.read(reports.resolve(runA).resolve("result.json"));
            RunResult rb = RunResult.read(reports.resolve(runB).resolve("result.json"));
            assertEquals(ra.verdict, Verdict.PASS, ra.reason);
            assertEquals(rb.verdict, Verdict.PASS, rb.reason);
            assertFalse(rb.startedAt.isBefore(ra.finishedAt),
                    "the second run started after the first finished: " + ra.finishedAt + " / " + rb.startedAt);
            String consoleA = Files.readString(reports.resolve(runA).resolve("console.log"), java.nio.charset.StandardCharsets.ISO_8859_1);
            String consoleB = Files.readString(reports.resolve(runB).resolve("console.log"), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(consoleA.contains("kdump-harness-" + runA) && consoleB.contains("kdump-harness-" + runB), "own markers");
            assertFalse(consoleA.contains("kdump-harness-" + runB), "the first run's console has no marker of the second");
            assertFalse(consoleB.contains("kdump-harness-" + runA), "the second run's console has no marker of the first");

            // the seed scenario's evidence (the first run): the vmcore read back, no password anywhere
            assertTrue(ra.evidence.vmcorePath != null && ra.evidence.vmcoreSize > 1_000_000, "vmcore " + ra.evidence.vmcoreSize);
            assertTrue(ra.evidence.readable);
            assertTrue(ra.evidence.panicMessage != null && ra.evidence.panicMessage.contains("NMI"), String.valueOf(ra.evidence.panicMessage));
            assertEquals(ra.nmiSentAt.size(), 1);
            // the BMC's event log, read over Redfish (its SEL LogService): the NMI's entry
            assertTrue(ra.bmcEvents != null && ra.bmcEvents.size() == 1 && ra.bmcEvents.get(0).sensor().startsWith("CriticalInterrupt"),
                    String.valueOf(ra.bmcEvents));
            String harnessLogA = Files.readString(reports.resolve(runA).resolve("harness.log"));
            assertTrue(harnessLogA.contains("bmc: Redfish BMC") && harnessLogA.contains("X-Auth-Token"),
                    "the NMI went through the Redfish BMC (RedfishLabIT checks that BMC with independent clients)");
            assertTrue(ra.hostBackInService);
            assertTrue(ra.diagnosis == null, "a PASS carries no diagnosis");
            assertTrue(ra.reason.startsWith("vmcore saved and readable: "), ra.reason);
            assertTrue(ra.target.captureKernelCmdline.contains("elfcorehdr="));
            assertTrue(consoleA.contains("printk_spammer: t=0 seq="), "spammer lines on the console");
            assertTrue(consoleA.contains("elfcorehdr="), "capture kernel start on the console");
            assertTrue(ra.console.spammerLines > 100, "spammer lines counted: " + ra.console.spammerLines);
            assertTrue(ra.steps.stream().allMatch(x -> x.durationMillis != null && x.timeoutSeconds > 0));
            for (String f : new String[] {"result.json", "harness.log", "console.log", "console.index.tsv", "index.html"}) {
                assertFalse(Files.readString(reports.resolve(runA).resolve(f), java.nio.charset.StandardCharsets.ISO_8859_1)
                        .contains(password), "password in " + f);
            }
            assertFalse(outA.contains(password) || outB.contains(password), "password in the output");
            assertTrue(leaks.isEmpty(), "password in process arguments: " + leaks);
            assertTrue(Files.readString(reports.resolve(runA).resolve("result.json")).contains("\"bmc_password_source\" : \"file "));

            // what ReproIT asserted of the sysrq-c control: the banner, the capture kernel, the cached spammer
            assertTrue(rb.phases.stream().anyMatch(p -> p.phase() == Phase.PANIC && p.text().contains("sysrq triggered crash")),
                    "sysrq panic banner reaches the console");
            assertTrue(rb.evidence.panicMessage != null && rb.evidence.panicMessage.contains("sysrq triggered crash"),
                    String.valueOf(rb.evidence.panicMessage));
            assertTrue(rb.phases.stream().anyMatch(p -> p.phase() == Phase.CAPTURE_KERNEL), "capture kernel on the console");
            assertEquals(ra.modules.size(), 1);
            assertFalse(ra.modules.get(0).cached(), "printk_spammer built on the guest: " + ra.modules);
            assertEquals(rb.modules.size(), 1);
            assertTrue(rb.modules.get(0).cached(), "printk_spammer from the host's module cache: " + rb.modules);

            try (SshShell t = LabFixture.ssh()) {
                assertEquals(t.check("test -e /var/lib/kdump-harness/claim && echo held || echo free", Duration.ofSeconds(10)),
                        "free", "both runs released the claim");
                assertEquals(t.run("ls -R /var/crash 2>/dev/null", Duration.ofSeconds(10)).stdout(), localDumpsBefore,
                        "no new dump on the guest's own disk");
            }
            // the SSH console carried the first run's panic path, in step with the serial line
            assertTrue(ra.console.source.startsWith("SSH console "), ra.console.source);
            serialLine.assertKeptUp(ra, ra.nmiSentAt.get(0), "SSH console");
            // the telnet console carried the whole panic path, in step with the serial line, and only the line's bytes
            assertTrue(rb.console.source.startsWith("telnet console server 127.0.0.1:"), rb.console.source);
            serialLine.assertKeptUp(rb, rb.triggerAt, "telnet");
            byte[] consoleBytesB = Files.readAllBytes(reports.resolve(runB).resolve("console.log"));
            for (byte x : consoleBytesB) {
                assertTrue(x != (byte) 0xFF, "no telnet IAC byte in console.log");
            }
            assertTrue(Files.readString(logB).contains("speaks RFC 2217; line set to 115200 8N1"), "RFC 2217 line settings");
            // the dumps were found and read on the dump server, and result.json says where
            String server = "kdump-dumps@127.0.0.1:" + labState.dumpServer().port();
            for (RunResult r : List.of(ra, rb)) {
                assertEquals(r.target.dumpServer, server);
                assertTrue(r.target.dumpTarget.startsWith("ssh kdump-dumps@kdump-dumpsrv:" + labState.dumpServer().coreDir()),
                        r.target.dumpTarget);
                assertEquals(r.evidence.foundOn, server);
                assertTrue(r.evidence.vmcorePath.startsWith(server + ":" + labState.dumpServer().coreDir() + "/10.0.2.15-"),
                        r.evidence.vmcorePath);
                assertEquals(r.evidence.readWith, "makedumpfile --dump-dmesg on the dump server");
            }
        } finally {
            serialLine.close();
            LabFixture.dumpTarget(io.kdumplab.harness.lab.LabDumpTarget.Kind.LOCAL);
            // a failed assertion must not leave the runs holding the host for the next test: they are stopped the way
            // a user stops them (SIGTERM: each restores the host and releases its hold)
            for (Process p : List.of(a, b)) {
                if (p.isAlive()) {
                    new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
                    p.waitFor(120, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test(priority = 1)
    public void orchestratorsOnSeparateDatabasesExcludeEachOtherByTheClaimAndADeadOnesClaimLapses() throws Exception {
        LabState s = LabFixture.up();
        Path work = Files.createTempDirectory("hold-two-sites");
        // the lab's endpoints written out, as another site's inventory would have them: no lab state involved
        Path inv = work.resolve("inv.yaml");
        Files.writeString(inv, "hosts:\n  - name: virtual-lab\n    ssh: {host: " + s.host() + ", port: " + s.sshPort() + ", user: "
                + s.sshUser() + ", key: " + s.sshKey() + ", host_key_fingerprint: \"" + s.hostKeyFingerprint() + "\"}\n"
                + "    bmc: {host: " + s.host() + ", port: " + s.bmcPort() + ", user: " + s.bmcUser() + ", password_file: "
                + s.bmcPasswordFile() + "}\n    console: {type: tcp, host: " + s.host() + ", port: " + s.consolePort() + "}\n"
                + "    distro: debian\n");
        try (TestDatabase siteA = TestDatabase.create("site_a"); TestDatabase siteB = TestDatabase.create("site_b")) {
            Map<String, String> envA = new java.util.HashMap<>(siteA.childEnvironment());
            envA.put("XDG_STATE_HOME", Files.createDirectories(work.resolve("state-a")).toString());
            Map<String, String> envB = new java.util.HashMap<>(siteB.childEnvironment());
            envB.put("XDG_STATE_HOME", Files.createDirectories(work.resolve("state-b")).toString());
            Path logA = work.resolve("site-a.log");
            Path logB = work.resolve("site-b.log");
            Path logNoWait = work.resolve("site-b-nowait.log");
            Process a = harness(logA, envA, "repro", "-i", inv.toString(), "--claim-ttl", "30", "--reports",
                    work.resolve("reports-a").toString());
            String runA = runIdOf(awaitLine(logA, "claim on virtual-lab taken", Duration.ofMinutes(2)));
            // A freezes at once (SIGSTOP: alive, renewing nothing), before its run reaches the NMI: an NMI extends the
            // claim past the crash, which would keep B waiting for the whole outage, as it should
            new ProcessBuilder("kill", "-STOP", Long.toString(a.pid())).start().waitFor();
            long frozenAt = System.nanoTime();

            Process refused = harness(logNoWait, envB, "repro", "-i", inv.toString(), "--no-wait", "--reports",
                    work.resolve("reports-b").toString());
            assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
            String outRefused = Files.readString(logNoWait);
            assertEquals(refused.exitValue(), 125, outRefused);
            assertTrue(outRefused.contains("is claimed by repro run " + runA), "the claim alone names the holder: " + outRefused);

            Process b = harness(logB, envB, "repro", "-i", inv.toString(), "--reports", work.resolve("reports-b").toString());
            awaitLine(logB, "is claimed by repro run " + runA, Duration.ofSeconds(90));
            a.destroyForcibly(); // kill -9: no release, no restore
            assertTrue(a.waitFor(10, TimeUnit.SECONDS));
            String outB = awaitLine(logB, "taken over from repro run " + runA, Duration.ofSeconds(90));
            long tookS = (System.nanoTime() - frozenAt) / 1_000_000_000L;
            assertTrue(outB.contains("its deadline passed"), outB);
            assertTrue(tookS <= 30 + 15, "taken over " + tookS + " s after A stopped renewing (claim TTL 30 s)");
            // the new holder goes on with its run; it is stopped here, which it survives as any interrupted run
            new ProcessBuilder("kill", "-TERM", Long.toString(b.pid())).start().waitFor();
            assertTrue(b.waitFor(90, TimeUnit.SECONDS));
            assertEquals(b.exitValue(), 143, Files.readString(logB));
        } finally {
            // whatever the killed run had changed (the run restores what it changed; a kill -9 restores nothing)
            try (SshShell t = LabFixture.ssh()) {
                t.run("rmmod printk_spammer 2>/dev/null; sysctl -qw kernel.unknown_nmi_panic=0 kernel.panic_on_unrecovered_nmi=0"
                        + " kernel.panic_on_io_nmi=0; rm -f /var/lib/kdump-harness/claim", Duration.ofSeconds(20));
            }
        }
    }
}
