package io.kdumplab.harness.e2e;

import io.kdumplab.harness.lab.LabDumpTarget;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.lab.LabStatus;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import org.testng.annotations.AfterClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/**
 * Dumps sent over SSH, as partner servers with small boot disks send them: the lab's guest, switched with `lab
 * dump-target ssh`, sends its dump through kdump-tools' own SSH= to the lab's dump server (an sshd of the lab's own, an
 * account of its own), and the harness finds and reads it there. The two ways it can go wrong end as what they are:
 * a dump server that stops answering after the dump was written is an infrastructure error naming it (never a FAIL),
 * and a dump directory the capture kernel cannot write is a FAIL whose diagnosis names the dump target. (A seed run
 * that PASSes with its vmcore read on the dump server is HostHoldIT's first run: one crash cycle proves both.)
 */
@Test(groups = "lab", singleThreaded = true)
public class DumpTargetIT {
    private static final Pattern RUN_ID = Pattern.compile("run (\\d{8}-\\d{6}-[\\w.-]+-[0-9a-f]{12})");

    @AfterClass(alwaysRun = true)
    public void backToLocalDumps() {
        LabFixture.dumpTarget(LabDumpTarget.Kind.LOCAL);
    }

    private static Process harness(Path log, String... args) throws Exception {
        ProcessBuilder pb = HarnessProcess.builder(log.getParent(), log, args);
        pb.environment().remove("HARNESS_DB_URL");
        return ChildProcesses.track(pb.start());
    }

    private static String awaitLine(Path log, String needle, Duration timeout) {
        return Wait.until(Deadline.in("'" + needle + "' in " + log.getFileName(), timeout), Duration.ofMillis(200), () -> {
            String s = Files.exists(log) ? Files.readString(log) : "";
            return s.contains(needle) ? Wait.Result.ready(s) : Wait.Result.notYet(s.length() + " bytes");
        });
    }

    private static RunResult resultOf(Path reports, String out) throws Exception {
        Matcher m = RUN_ID.matcher(out);
        assertTrue(m.find(), "a run id in: " + out);
        return RunResult.read(reports.resolve(m.group(1)).resolve("result.json"));
    }

    /** The CLI switches the lab; lab status shows the dump server; OpenSSH logs in to it as the lab says. */
    @Test(priority = 0)
    public void theLabSendsDumpsToItsSshDumpServerWhichOpenSshReaches() throws Exception {
        LabFixture.up();
        Path log = Files.createTempFile("dump-target", ".log");
        Process p = harness(log, "lab", "dump-target", "ssh", "--name", LabFixture.NAME);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS));
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 0, out);
        assertTrue(out.contains("dump target: ssh kdump-dumps@127.0.0.1:"), out);
        LabState s = LabFixture.adopt();
        LabStatus st = LabFixture.lab().status(s.name());
        assertEquals(st.dumpTarget().kind(), "ssh");
        assertTrue(st.dumpTarget().answers(), "the harness's reading key gets in: " + st.dumpTarget());
        // an independent client, with the lab's pinned host key and nothing else trusted
        Process ssh = ChildProcesses.track(new ProcessBuilder("ssh", "-i", s.dumpServer().key(), "-p",
                Integer.toString(s.dumpServer().port()), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + s.dumpServer().knownHosts(), s.dumpServer().user() + "@127.0.0.1",
                "test -w " + s.dumpServer().coreDir() + " && echo writable").redirectErrorStream(true).start());
        String sshOut = new String(ssh.getInputStream().readAllBytes());
        assertTrue(ssh.waitFor(30, TimeUnit.SECONDS));
        assertEquals(ssh.exitValue(), 0, sshOut);
        assertTrue(sshOut.contains("writable"), sshOut);
    }

    /** The dump is written, then the dump server hangs: the harness cannot look, so it says so and grades nothing. */
    @Test(priority = 1)
    public void aDumpServerThatStopsAnsweringAfterTheDumpIsAnInfrastructureErrorNamingItNeverAFail() throws Exception {
        LabState s = LabFixture.dumpTarget(LabDumpTarget.Kind.SSH);
        Path work = Files.createTempDirectory("dump-server-gone");
        Path reports = work.resolve("reports");
        Path log = work.resolve("run.log");
        long mark = LabFixture.consoleMark();
        Process run = harness(log, "repro", "--lab", LabFixture.NAME, "--control", "sysrq-c", "--reports", reports.toString());
        boolean stopped = false;
        try {
            Wait.until(Deadline.in("kdump-tools saying the vmcore is saved on the dump server", Duration.ofMinutes(5)),
                    Duration.ofMillis(500), () -> LabFixture.consoleSince(mark).contains("kdump-tools: saved vmcore in")
                            ? Wait.Result.ready(true) : Wait.Result.notYet("not yet"));
            // a hung server: it keeps its port (connections are accepted) and never says a word
            new ProcessBuilder("kill", "-STOP", Long.toString(s.dumpServer().pid())).start().waitFor();
            stopped = true;
            assertTrue(run.waitFor(6, TimeUnit.MINUTES), "the run ends");
        } finally {
            if (stopped) {
                new ProcessBuilder("kill", "-CONT", Long.toString(s.dumpServer().pid())).start().waitFor();
            }
        }
        String out = Files.readString(log);
        assertEquals(run.exitValue(), 125, out);
        RunResult r = resultOf(reports, out);
        assertEquals(r.verdict, Verdict.INFRA_ERROR, r.reason);
        assertEquals(r.failedStep, "evidence", r.reason);
        assertTrue(r.reason.contains("dump server kdump-dumps@127.0.0.1:" + s.dumpServer().port()), r.reason);
        assertEquals(r.target.dumpServer, "kdump-dumps@127.0.0.1:" + s.dumpServer().port());
        // the dump was there all along
        try (var dirs = Files.list(Path.of(s.dumpServer().coreDir()))) {
            assertTrue(dirs.anyMatch(d -> d.getFileName().toString().startsWith("10.0.2.15-")), "the dump is on the server");
        }
    }

    /** The capture kernel cannot write to the dump server: a FAIL, and the diagnosis names the target and why. */
    @Test(priority = 2)
    public void aDumpDirectoryTheCaptureKernelCannotWriteIsAFailNamingTheDumpTarget() throws Exception {
        LabState s = LabFixture.dumpTarget(LabDumpTarget.Kind.SSH);
        Path core = Path.of(s.dumpServer().coreDir());
        Path work = Files.createTempDirectory("dump-server-unwritable");
        Path reports = work.resolve("reports");
        Path log = work.resolve("run.log");
        Process run = harness(log, "repro", "--lab", LabFixture.NAME, "--control", "sysrq-c", "--reports", reports.toString());
        try {
            // after the preflight, which refuses an unwritable directory before anything is touched
            awaitLine(log, "step sysctls: ok", Duration.ofMinutes(4));
            Files.setPosixFilePermissions(core, PosixFilePermissions.fromString("r-xr-xr-x"));
            assertTrue(run.waitFor(8, TimeUnit.MINUTES), "the run ends");
        } finally {
            Files.setPosixFilePermissions(core, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String out = Files.readString(log);
        assertEquals(run.exitValue(), 1, out);
        RunResult r = resultOf(reports, out);
        assertEquals(r.verdict, Verdict.FAIL, r.reason);
        assertNotNull(r.diagnosis, "a FAIL carries a diagnosis");
        assertTrue(r.diagnosis.cause().contains("could not save the dump to ssh kdump-dumps@kdump-dumpsrv:" + core),
                r.diagnosis.cause());
        assertTrue(r.diagnosis.cause().contains("is not writable by kdump-dumps"), r.diagnosis.cause());
        assertTrue(List.of("IN_CAPTURE_KERNEL", "WHILE_SAVING_DUMP").contains(r.diagnosis.stoppedAt().name()),
                "never 'no panic' or a hang: " + r.diagnosis.stoppedAt());
    }
}
