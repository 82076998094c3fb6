package io.kdumplab.harness.run;

import io.kdumplab.harness.device.DumpLayout;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * Finding a run's dump among a dump directory's files, with the real listing command run by a real shell over a tree
 * laid out as kdump-tools leaves it (on the host, and on a dump server shared by several hosts).
 */
@Test(groups = "unit")
public class DumpFilesTest {
    private static final DumpLayout DEBIAN = new DumpLayout(List.of("dump.*", "vmcore.*"), List.of("dmesg.*"),
            List.of("dump-incomplete*", "vmcore-incomplete*"), true);
    private static final long T = 1_800_000_000L;

    private static Path file(Path root, String rel, long mtime) throws Exception {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "x".repeat(10));
        Files.setLastModifiedTime(f, FileTime.fromMillis(mtime * 1000));
        return f;
    }

    private static String list(Path root, List<String> tags) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", DumpFiles.listCommand(root.toString(), tags, DEBIAN)).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(p.waitFor(), 0);
        return out;
    }

    public void theNewestCompleteDumpSinceTheTriggerWithItsLog() throws Exception {
        Path root = Files.createTempDirectory("crash");
        file(root, "202612050900/dump.202612050900", T - 3600);
        file(root, "202612051000/dump.202612051000", T + 40);
        file(root, "202612051000/dmesg.202612051000", T + 20);
        DumpFiles.Found f = DumpFiles.pick(list(root, List.of()), T - 5);
        assertEquals(f.dump().orElseThrow().path(), root + "/202612051000/dump.202612051000");
        assertEquals(f.dmesg().orElseThrow().path(), root + "/202612051000/dmesg.202612051000");
        assertTrue(f.incomplete().isEmpty());
    }

    public void anOlderDumpIsNotThisRuns() throws Exception {
        Path root = Files.createTempDirectory("crash");
        file(root, "202612050900/dump.202612050900", T - 60);
        assertTrue(DumpFiles.pick(list(root, List.of()), T - 5).nothing());
    }

    public void aDumpLeftIncompleteIsFoundAsSuch() throws Exception {
        Path root = Files.createTempDirectory("crash");
        file(root, "10.0.2.15-202612051000/dump-incomplete", T + 30);
        file(root, "10.0.2.15-202612051000/dmesg.202612051000", T + 20);
        DumpFiles.Found f = DumpFiles.pick(list(root, List.of("guest", "10.0.2.15")), T - 5);
        assertTrue(f.dump().isEmpty());
        assertEquals(f.incomplete().orElseThrow().path(), root + "/10.0.2.15-202612051000/dump-incomplete");
        assertTrue(f.dmesg().isPresent());
        assertFalse(f.nothing());
    }

    public void onASharedDumpServerOnlyThisHostsDirectoriesCount() throws Exception {
        Path root = Files.createTempDirectory("crash");
        file(root, "10.0.9.9-202612051000/dump.202612051000", T + 50); // another host's, newer
        file(root, "10.0.2.15-202612051000/dump.202612051000", T + 40);
        DumpFiles.Found f = DumpFiles.pick(list(root, List.of("guest", "10.0.2.15")), T - 5);
        assertEquals(f.dump().orElseThrow().path(), root + "/10.0.2.15-202612051000/dump.202612051000");
        assertTrue(DumpFiles.pick(list(root, List.of("other")), T - 5).nothing(), "no directory named after this host");
    }

    public void aMissingDirectoryIsSaidSo() throws Exception {
        String out = list(Path.of("/nonexistent/crash"), List.of());
        assertTrue(DumpFiles.noDirectory(out));
        assertTrue(DumpFiles.pick(out, 0).nothing());
    }

    public void aDirectoryNameWithAQuoteIsQuoted() throws Exception {
        Path root = Files.createTempDirectory("it's crash");
        file(root, "1/dump.1", T);
        assertTrue(DumpFiles.pick(list(root, List.of()), T - 5).dump().isPresent());
    }

    public void theTargetCheckSaysWhatTheDirectoryLacks() throws Exception {
        Path root = Files.createTempDirectory("crash");
        Process p = new ProcessBuilder("sh", "-c", DumpFiles.targetCheckCommand(root.toString())).start();
        var kv = io.kdumplab.harness.util.KeyValues.parse(new String(p.getInputStream().readAllBytes()));
        assertEquals(kv.get("exists"), "yes");
        assertEquals(kv.get("writable"), "yes");
        assertTrue(kv.get("free_kib").matches("[0-9]+"), kv.toString());
        p = new ProcessBuilder("sh", "-c", DumpFiles.targetCheckCommand(root.resolve("gone").toString())).start();
        assertEquals(io.kdumplab.harness.util.KeyValues.parse(new String(p.getInputStream().readAllBytes())).get("exists"), "no");
    }
}
