package io.kdumplab.harness.lab;

import io.kdumplab.harness.verdict.Verdict;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.HarnessProcess;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.support.TestDatabase;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.util.Processes;
import org.testng.annotations.AfterClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/**
 * Faults of the orchestrator's own machine, and kdump configuration, on the suite's lab; last in the suite. They
 * share their boots: kdump's crashkernel= drop-ins are removed (as an admin might) without a reboot; the lab's
 * QEMU is killed during a run's spammer step (INFRA_ERROR naming QEMU within 30 s); the rest of the lab is killed
 * with its state left behind, as after a restart: `lab status` says so at once, a `nightly worker` names the lab
 * and `lab up`, a pid pointing at someone else's process changes nothing, a full reports filesystem is refused
 * before anything is touched. Then `repro --no-configure` brings the left-over lab up (its cold boot is the
 * reboot onto the command line without crashkernel=): KDUMP_NOT_READY, nothing changed; and `repro` configures
 * kdump (its drop-in, a reboot, the capture kernel loaded) and PASSes with a vmcore while its reports
 * filesystem fills after the NMI: exit 125 naming the full filesystem, the verdict and vmcore kept in the
 * fallback result. (`lab down` of a left-over lab is checked in NightlyHealthIT.)
 */
@Test(groups = "lab", singleThreaded = true)
public class LeftOverLabIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Process stranger;
    private Path tmpfs;
    private Path small;

    @AfterClass(alwaysRun = true)
    public void cleanUp() throws Exception {
        ChildProcesses.reapAll();
        if (stranger != null) {
            stranger.destroyForcibly();
        }
        for (Path m : new Path[] {tmpfs, small}) {
            if (m != null) {
                Processes.run(List.of("umount", "-l", m.toString()), Duration.ofSeconds(20), null);
            }
        }
        // the lab as this class left it (restarted, reconfigured, or killed) is nobody's base: back to the image
        LabFixture.forget();
        LabFixture.lab().down(LabFixture.NAME);
        LabFixture.lab().reset(LabSpec.defaults(LabFixture.NAME));
    }

    static Process harness(Path log, String... args) throws Exception {
        return HarnessProcess.start(null, log, args);
    }

    static String waitForLine(Path log, String needle, Duration timeout, Process p) throws Exception {
        return waitForLine(log, needle, timeout, p, new java.util.ArrayList<>());
    }

    /** What a restart leaves: every lab process gone, the state file still there. */
    private static void killLabProcesses(LabState s, Path dir) throws Exception {
        for (long pid : new long[] {s.bmcPid(), s.relayPid(), s.redfishPid(), Processes.readPid(dir.resolve("qemu.pid")).orElse(-1L)}) {
            if (pid > 0) {
                Processes.run(List.of("kill", "-9", Long.toString(pid)), Duration.ofSeconds(5), null);
            }
        }
        Thread.sleep(500);
    }

    @Test(priority = 0)
    public void aQemuKilledDuringTheSpammerStepEndsTheRunAsInfrastructureNamingQemu() throws Exception {
        LabState s = LabFixture.up();
        Path dir = LabFixture.lab().dir(LabFixture.NAME);
        // as an admin might have done: drop kdump's grub snippets; the next boot (the lab's restart below) applies it
        // (synced: the QEMU killed below takes the guest's unwritten pages with it)
        try (SshShell t = LabFixture.ssh()) {
            t.check("rm -f /etc/default/grub.d/kdump-tools.cfg /etc/default/grub.d/99-kdump-harness.cfg "
                    + io.kdumplab.harness.run.DiagnosisIT.DROP_IN + " && update-grub >/dev/null 2>&1 && sync", Duration.ofSeconds(120));
        }
        Path log = Files.createTempFile("qemu-dies", ".log");
        Process p = harness(log, "repro", "--lab", LabFixture.NAME, "--reports", Files.createTempDirectory("reports").toString());
        waitForLine(log, "step spammer: started", Duration.ofMinutes(5), p);
        long qemu = Processes.readPid(dir.resolve("qemu.pid")).orElseThrow();
        long killedAt = System.nanoTime();
        Processes.run(List.of("kill", "-9", Long.toString(qemu)), Duration.ofSeconds(5), null);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the run ended");
        long seconds = (System.nanoTime() - killedAt) / 1_000_000_000L;
        String out = Files.readString(log);
        System.err.println("QEMU killed during the spammer step: the run ended " + seconds + " s later");
        assertEquals(p.exitValue(), 125, out);
        assertTrue(out.contains("INFRA_ERROR") && out.contains("the lab's QEMU (pid " + qemu + ")"), out);
        assertTrue(seconds <= 30, "ended " + seconds + " s after the kill");
        assertFalse(out.contains("HARNESS_ERROR"), out);
        assertTrue(Processes.alive(s.bmcPid()), "the BMC still runs");
    }

    @Test(priority = 1, dependsOnMethods = "aQemuKilledDuringTheSpammerStepEndsTheRunAsInfrastructureNamingQemu")
    public void aLeftOverLabIsSeenAtOnceBroughtUpByReproAndKdumpConfiguredWithTheVerdictKeptOnAFullDisk() throws Exception {
        VirtualLab lab = LabFixture.lab();
        LabState s = lab.state(LabFixture.NAME).orElseThrow();
        Path dir = lab.dir(LabFixture.NAME);
        killLabProcesses(s, dir);
        assertTrue(Files.exists(dir.resolve("state.json")));

        Path statusLog = Files.createTempFile("status", ".log");
        long t0 = System.nanoTime();
        Process status = harness(statusLog, "lab", "status", "--name", LabFixture.NAME);
        assertTrue(status.waitFor(30, TimeUnit.SECONDS));
        double statusSeconds = (System.nanoTime() - t0) / 1e9;
        String st = Files.readString(statusLog);
        assertEquals(status.exitValue(), 125, st);
        assertTrue(st.contains("lab '" + LabFixture.NAME + "': down: left over") && st.contains("run ./harness.sh lab up --name "
                + LabFixture.NAME), st);
        assertTrue(statusSeconds < 5, "answered in " + statusSeconds + " s (a JVM start included)");

        // a command that does not start labs names the lab and what to do, at once
        TestDatabase tdb = TestDatabase.create("leftover_worker");
        try {
            Path work = Files.createTempDirectory("leftover-worker");
            Files.writeString(work.resolve("inv.yaml"), "hosts:\n  - {name: virtual-lab, lab: " + LabFixture.NAME
                    + ", console: {type: tcp}, distro: debian}\n");
            Path plan = work.resolve("nightly.yaml");
            Files.writeString(plan, "name: leftover-it\ninventory: inv.yaml\nbudget: 1h\nhosts: [virtual-lab]\nkernels: ["
                    + LabFixture.kernels().defaultKernel() + "]\nscenarios: [seed]\n");
            Process enqueue = HarnessProcess.start(tdb, work.resolve("enqueue.log"), "nightly", "enqueue", plan.toString(),
                    "--night", "2026-12-05");
            assertEquals(enqueue.waitFor(), 0, Files.readString(work.resolve("enqueue.log")));
            Path workerLog = work.resolve("worker.log");
            Process worker = HarnessProcess.start(tdb, workerLog, "nightly", "worker", "--lab", "default", "--reports",
                    work.resolve("reports").toString());
            String w = waitForLine(workerLog, "./harness.sh lab up --name " + LabFixture.NAME, Duration.ofSeconds(60), worker);
            long picked = System.nanoTime();
            worker.destroy();
            worker.waitFor(30, TimeUnit.SECONDS);
            assertTrue(w.contains("virtual lab '" + LabFixture.NAME + "' is down: left over"), w);
            assertFalse(w.contains("sshd") || w.contains("authorized") || w.contains("timed out"), w);
            System.err.println("nightly worker on a left-over lab: named it " + (picked - t0) / 1_000_000 + " ms into the test");
        } finally {
            tdb.close();
        }

        // someone else's process behind the old pid numbers is never ours
        stranger = ChildProcesses.track(new ProcessBuilder("sleep", "600").start());
        Files.writeString(dir.resolve("qemu.pid"), stranger.pid() + "\n");
        ObjectNode state = (ObjectNode) JSON.readTree(dir.resolve("state.json").toFile());
        state.put("bmcPid", stranger.pid());
        Files.writeString(dir.resolve("state.json"), JSON.writeValueAsString(state));
        Process status2 = harness(statusLog, "lab", "status", "--name", LabFixture.NAME);
        assertTrue(status2.waitFor(30, TimeUnit.SECONDS));
        assertEquals(status2.exitValue(), 125, Files.readString(statusLog));
        assertTrue(Files.readString(statusLog).contains("belongs to another process"), Files.readString(statusLog));

        // a reports filesystem below the minimum: refused before the lab is started or anything touched
        small = Files.createTempDirectory("small-reports");
        assertEquals(Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small.toString()),
                Duration.ofSeconds(20), null).exitCode(), 0);
        Path refusedLog = Files.createTempFile("refused", ".log");
        long r0 = System.nanoTime();
        Process refused = harness(refusedLog, "repro", "--lab", LabFixture.NAME, "--reports", small.toString());
        assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
        double refusedSeconds = (System.nanoTime() - r0) / 1e9;
        String ref = Files.readString(refusedLog);
        assertEquals(refused.exitValue(), 2, ref);
        assertTrue(ref.contains("the reports directory " + small) && ref.contains("a run needs at least 64 MiB"), ref);
        assertTrue(refusedSeconds < 5, "refused in " + refusedSeconds + " s");
        assertFalse(lab.liveness(LabFixture.NAME).up(), "the lab was not started: nothing touched");

        // repro --no-configure brings the left-over lab up: its cold boot is the boot without crashkernel=
        Path checkLog = Files.createTempFile("leftover-check", ".log");
        Process check = harness(checkLog, "repro", "--lab", LabFixture.NAME, "--no-configure", "--reports",
                Files.createTempDirectory("check-reports").toString());
        assertTrue(check.waitFor(10, TimeUnit.MINUTES), "the run ended");
        String c = Files.readString(checkLog);
        assertTrue(c.contains("is left over: its BMC") && c.contains("bringing it up"), c);
        assertEquals(check.exitValue(), 125, c);
        assertTrue(c.contains("KDUMP_NOT_READY") && c.contains("crashkernel= is not on the kernel command line"), c);
        assertTrue(stranger.isAlive(), "the process behind the old pids was not signalled");
        LabFixture.adopt();
        String grubBefore;
        String bootBefore;
        try (SshShell t = LabFixture.ssh()) {
            assertFalse(t.check("cat /proc/cmdline", Duration.ofSeconds(10)).contains("crashkernel="));
            grubBefore = t.check("md5sum /boot/grub/grub.cfg; ls /etc/default/grub.d", Duration.ofSeconds(10));
            bootBefore = t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10));
        }
        assertFalse(grubBefore.contains("99-kdump-harness.cfg"), "--no-configure wrote no drop-in: " + grubBefore);
        // `host check` on this boot: the missing reservation is a configuration problem with its fix (exit 2)
        Path hostCheckLog = Files.createTempFile("host-check-no-crashkernel", ".log");
        Process hostCheck = harness(hostCheckLog, "host", "check", "--lab", LabFixture.NAME);
        assertTrue(hostCheck.waitFor(3, TimeUnit.MINUTES), "host check ended");
        String hc = Files.readString(hostCheckLog);
        assertEquals(hostCheck.exitValue(), 2, hc);
        assertTrue(hc.matches("(?s).*crash kernel reservation\\s+PROBLEM\\s+no crashkernel= on the command line.*"), hc);
        assertTrue(hc.contains("a run configures it (a GRUB drop-in or grubby, one reboot)"), "what to do: " + hc);

        // repro configures kdump (drop-in, reboot) and PASSes; its reports filesystem fills after the NMI
        tmpfs = Files.createTempDirectory("full-reports");
        assertEquals(Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=80m", "tmpfs", tmpfs.toString()),
                Duration.ofSeconds(20), null).exitCode(), 0);
        Path log = Files.createTempFile("leftover-repro", ".log");
        Process p = harness(log, "repro", "--lab", LabFixture.NAME, "--reports", tmpfs.toString());
        waitForLine(log, "step outcome: started", Duration.ofMinutes(10), p);
        Processes.Outcome fill = Processes.run(List.of("dd", "if=/dev/zero", "of=" + tmpfs.resolve("filler"), "bs=1M"),
                Duration.ofSeconds(60), null);
        assertTrue(fill.output().contains("No space left"), fill.output());
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the run ended");
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 125, out);
        assertTrue(out.contains("no space left on the filesystem of " + tmpfs), out);
        assertFalse(out.contains("HARNESS_ERROR") || out.contains("harness bug"), out);
        Matcher m = Pattern.compile("result: (\\S+)/result.json \\(fallback\\)").matcher(out);
        assertTrue(m.find(), out);
        RunResult r = RunResult.read(Path.of(m.group(1)).resolve("result.json"));
        assertEquals(r.verdict, Verdict.PASS, r.reason);
        assertNotNull(r.evidence.vmcorePath, "the vmcore's path");
        assertTrue(Boolean.TRUE.equals(r.hostBackInService), "restored: capture kernel loaded again");
        assertTrue(r.reportsStorageFailure.contains(tmpfs.toString()), r.reportsStorageFailure);
        assertTrue(Files.readString(Path.of(m.group(1)).resolve("console.log")).contains("elfcorehdr="), "the console log");
        // kdump was configured as an admin would: the harness's drop-in, a reboot onto the new command line
        assertTrue(r.steps.stream().anyMatch(x -> x.name.equals("kdump-readiness") && x.status.equals("ok")), "kdump configured");
        assertTrue(r.target.cmdline.contains("crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M"), r.target.cmdline);
        try (SshShell t = LabFixture.ssh()) {
            assertTrue(t.check("cat /etc/default/grub.d/99-kdump-harness.cfg", Duration.ofSeconds(10)).contains("crashkernel="));
            assertEquals(t.check("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(10)), "1", "the capture kernel is loaded");
            assertFalse(t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)).equals(bootBefore), "rebooted");
        }
        assertTrue(stranger.isAlive(), "the process behind the old pids was not signalled");
    }

    /**
     * `bisect run` with an inventory whose host names the lab (inventories/virtual-lab.yaml with this suite's lab) on a
     * left-over lab: it brings the lab up, says so, holds the host and goes on to its first install, never silent for
     * more than 30 s. Stopped there (SIGTERM): the class's clean-up resets the guest's disk anyway.
     */
    @Test(priority = 2, dependsOnMethods = "aLeftOverLabIsSeenAtOnceBroughtUpByReproAndKdumpConfiguredWithTheVerdictKeptOnAFullDisk")
    public void bisectRunOnALeftOverLabBringsItUpAndProceeds() throws Exception {
        VirtualLab lab = LabFixture.lab();
        LabState s = lab.state(LabFixture.NAME).orElseThrow();
        Path dir = lab.dir(LabFixture.NAME);
        killLabProcesses(s, dir);
        LabFixture.forget();
        Path work = Files.createTempDirectory("leftover-bisect");
        List<String> kernels = new java.util.ArrayList<>(lab.image().kernels().bisection());
        Path builds = work.resolve("builds");
        new io.kdumplab.harness.lab.DemoBuilds(io.kdumplab.harness.lab.LabPaths.fromEnvironment().cacheRoot(), System.err::println)
                .create(builds, kernels.subList(kernels.size() - 3, kernels.size()), 1, 100);
        String inventory = Files.readString(Path.of("..", "inventories", "virtual-lab.yaml")).replace("lab: default",
                "lab: " + LabFixture.NAME);
        Path inv = Files.writeString(work.resolve("virtual-lab.yaml"), inventory);
        Path log = work.resolve("bisect.log");
        long t0 = System.nanoTime();
        Process p = harness(log, "bisect", "run", "--builds", builds.toString(), "-i", inv.toString(), "--dir",
                work.resolve("bisection").toString());
        java.util.List<long[]> seen = new java.util.ArrayList<>();
        String out = waitForLine(log, "installing ", Duration.ofMinutes(6), p, seen);
        System.err.println("bisect run on a left-over lab: first install " + (System.nanoTime() - t0) / 1_000_000_000L + " s in");
        // what it does on SIGTERM mid-install is not this test's subject (the class's clean-up resets the guest)
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertTrue(out.contains("is left over") && out.contains("bringing it up"), out);
        assertTrue(out.contains("claim on virtual-lab taken (bisect run bisection"), out);
        long longest = 0;
        for (int i = 1; i < seen.size(); i++) {
            longest = Math.max(longest, seen.get(i)[0] - seen.get(i - 1)[0]);
        }
        assertTrue(longest <= 33_000, "the longest silence was " + longest + " ms:\n" + out);
        LabFixture.adopt();
    }

    /** As waitForLine, noting when the log grew (for the longest silence). */
    static String waitForLine(Path log, String needle, Duration timeout, Process p, java.util.List<long[]> growth) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        long size = -1;
        while (System.nanoTime() < end) {
            String s = Files.exists(log) ? Files.readString(log) : "";
            if (s.length() != size) {
                size = s.length();
                growth.add(new long[] {System.nanoTime() / 1_000_000, size});
            }
            if (s.contains(needle)) {
                return s;
            }
            if (p != null && !p.isAlive()) {
                throw new AssertionError("ended before '" + needle + "':\n" + s);
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no '" + needle + "' within " + timeout.toSeconds() + " s:\n" + Files.readString(log));
    }
}
