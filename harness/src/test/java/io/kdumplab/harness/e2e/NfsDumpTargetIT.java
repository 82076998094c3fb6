package io.kdumplab.harness.e2e;

import io.kdumplab.harness.lab.LabDumpTarget;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.verdict.Verdict;
import org.testng.annotations.AfterClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * Dumps sent to an NFS share, as partner servers send them to a filer: the lab's guest, switched with `lab dump-target
 * nfs`, mounts the lab's NFS server (NFS-Ganesha, NFSv4, user space) through kdump-tools' own NFS= and writes its dump
 * there; the harness checks the share from the host before the run (mounted read-write, root writes a probe) and reads
 * the dump through a read-only mount on the host after it. An independent NFS client (libnfs's nfs-ls) sees the lab's
 * export and the dump in it.
 */
@Test(groups = "lab", singleThreaded = true)
public class NfsDumpTargetIT {
    private static final Pattern RUN_ID = Pattern.compile("run (\\d{8}-\\d{6}-[\\w.-]+-[0-9a-f]{12})");

    @AfterClass(alwaysRun = true)
    public void backToLocalDumps() {
        LabFixture.dumpTarget(LabDumpTarget.Kind.LOCAL);
    }

    private static String nfsLs(LabState s, String path) throws Exception {
        Process p = ChildProcesses.track(new ProcessBuilder("nfs-ls", "nfs://127.0.0.1" + s.nfsServer().pseudo() + path
                + "?version=4&nfsport=" + s.nfsServer().port()).redirectErrorStream(true).start());
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "nfs-ls answered");
        assertEquals(p.exitValue(), 0, out);
        return out;
    }

    @Test
    public void aDumpSentToTheLabsNfsShareIsFoundAndReadThroughTheHost() throws Exception {
        LabFixture.up();
        Path work = Files.createTempDirectory("nfs-dump");
        Path log = work.resolve("dump-target.log");
        ProcessBuilder pb = HarnessProcess.builder(work, log, "lab", "dump-target", "nfs", "--name", LabFixture.NAME);
        Process p = ChildProcesses.track(pb.start());
        assertTrue(p.waitFor(180, TimeUnit.SECONDS));
        assertEquals(p.exitValue(), 0, Files.readString(log));
        assertTrue(Files.readString(log).contains("dump target: nfs 127.0.0.1:"), Files.readString(log));
        LabState s = LabFixture.adopt();
        assertTrue(LabFixture.lab().status(s.name()).dumpTarget().answers(), "lab status: the NFS server answers");
        nfsLs(s, "/"); // an independent client reads the export

        Path reports = work.resolve("reports");
        Path runLog = work.resolve("run.log");
        ProcessBuilder run = HarnessProcess.builder(work, runLog, "repro", "--lab", LabFixture.NAME, "--control", "sysrq-c",
                "--reports", reports.toString());
        run.environment().remove("HARNESS_DB_URL");
        Process r = ChildProcesses.track(run.start());
        assertTrue(r.waitFor(10, TimeUnit.MINUTES), "the run ends");
        String out = Files.readString(runLog);
        assertEquals(r.exitValue(), 0, out);
        assertTrue(out.contains("the harness mounts it read-only on the host"), out);
        Matcher m = RUN_ID.matcher(out);
        assertTrue(m.find(), out);
        RunResult res = RunResult.read(reports.resolve(m.group(1)).resolve("result.json"));
        assertEquals(res.verdict, Verdict.PASS, res.reason);
        assertEquals(res.evidence.foundOn, "nfs 10.0.2.2:/crash");
        assertTrue(res.evidence.readable, "read back with makedumpfile on the host");
        String prefix = "10.0.2.2:/crash/";
        assertTrue(res.evidence.vmcorePath.startsWith(prefix + "10.0.2.15-"), res.evidence.vmcorePath);
        // the same file, on the server's disk here, with the size the harness reported
        Path onServer = Path.of(s.nfsServer().exportDir(), res.evidence.vmcorePath.substring(prefix.length()));
        assertEquals(Files.size(onServer), res.evidence.vmcoreSize, onServer.toString());
        String dir = onServer.getParent().getFileName().toString();
        assertTrue(nfsLs(s, "/" + dir).contains(onServer.getFileName().toString()), "nfs-ls sees the dump");
        // the harness's mounts on the host are gone
        assertTrue(!out.contains("umount:"), out);
    }
}
