package io.kdumplab.harness.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.bisect.Journal;
import io.kdumplab.harness.lab.DemoBuilds;
import io.kdumplab.harness.lab.GuestImage;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.device.ssh.SshShell;
import org.testng.annotations.Test;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * Bisection end to end on the virtual lab, with real builds: three
 * consecutive Debian kernel packages (the lab image's bisection builds, with headers),
 * installed with apt over SSH; from the second on, a companion package
 * loads panic_wedge at boot, so NMI panics of those builds save no vmcore.
 * The orchestrator is killed hard after its first trial and run again with
 * the same command: it must resume without repeating that trial, name the
 * second build, and leave the host on its safe kernel with its original
 * default boot entry.
 */
@Test(groups = {"lab", "e2e"}, singleThreaded = true)
public class BisectIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    public void findsTheFirstBadBuildResumesAfterAKillAndRestoresTheHost() throws Exception {
        LabFixture.up();
        GuestImage image = LabFixture.lab().image();
        List<String> kernels = new ArrayList<>(image.kernels().bisection());
        assertTrue(kernels.size() >= 3, "the lab image carries consecutive kernel builds besides its default: " + kernels);
        kernels = kernels.subList(kernels.size() - 3, kernels.size());

        Path work = Files.createDirectories(Path.of("target", "it-bisect").toAbsolutePath());
        Path builds = work.resolve("builds");
        Path dir = work.resolve("bisect");
        deleteTree(dir);
        new DemoBuilds(LabPaths.fromEnvironment().cacheRoot(), System.err::println).create(builds, kernels, 1, 100);
        String safe;
        String savedBefore;
        try (SshShell ssh = LabFixture.ssh()) {
            safe = ssh.check("uname -r", Duration.ofSeconds(15));
            savedBefore = ssh.run("grub-editenv list", Duration.ofSeconds(15)).out();
        }
        String[] cmd = {"bisect", "run", "--builds", builds.toString(), "--min-repro-rate", "1", "--lab", LabFixture.NAME,
                "--dir", dir.toString(), "--hang-after", "30"};
        Path log = work.resolve("bisect-first.log");
        Files.deleteIfExists(log);

        // first attempt: killed (SIGKILL, no shutdown hooks) as soon as one trial is in the journal
        Process first = HarnessProcess.start(work, log, cmd);
        Path journal = dir.resolve("journal.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(12);
        while (trials(journal).isEmpty()) {
            assertTrue(first.isAlive(), "the bisection ended before its first trial:\n" + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no trial within 12 minutes:\n" + Files.readString(log));
            Thread.sleep(2000);
        }
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        List<Journal.Entry> beforeKill = trials(journal);
        assertEquals(beforeKill.size(), 1);
        assertEquals(beforeKill.get(0).buildIndex(), Integer.valueOf(0), "the good endpoint is tested first");
        assertEquals(beforeKill.get(0).verdict(), "PASS", Files.readString(log));

        // the same command again resumes
        Path log2 = work.resolve("bisect-resumed.log");
        Files.deleteIfExists(log2);
        Process second = HarnessProcess.start(work, log2, cmd);
        assertTrue(second.waitFor(20, TimeUnit.MINUTES), "the resumed bisection did not finish in 20 minutes");
        String out = Files.readString(log2);
        assertEquals(second.exitValue(), 0, out);
        assertTrue(out.contains("resuming the bisection") && out.contains("1 trial(s) already in the journal"), out);

        JsonNode state = JSON.readTree(dir.resolve("bisect.json").toFile());
        assertEquals(state.get("status").asText(), "FOUND", state.toPrettyString());
        assertEquals(state.get("answer").get("firstBad").asText(), "02-" + kernels.get(1), state.toPrettyString());
        assertEquals(state.get("answer").get("kernel").asText(), kernels.get(1));
        assertTrue(state.get("answer").get("confidence").asDouble() >= 0.95);
        List<Journal.Entry> all = trials(journal);
        assertEquals(all.stream().filter(e -> e.buildIndex() == 0).count(), 1L, "the finished trial was not repeated");
        for (Journal.Entry e : all) {
            assertTrue(e.judged(), "every trial judged: " + e);
            assertEquals(e.failed(), e.buildIndex() >= 1, "build " + e.build() + " judged " + e.verdict());
        }
        assertTrue(state.get("machineSeconds").asDouble() > 0);
        assertEquals(state.get("builds").get(1).get("state").asText(), "bad");
        for (JsonNode b : state.get("builds")) {
            for (JsonNode t : b.get("trials")) {
                Path run = dir.resolve("runs").resolve(t.get("runId").asText());
                assertTrue(Files.exists(run.resolve("result.json")) && Files.exists(run.resolve("console.log")), run.toString());
            }
        }
        var junit = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("junit.xml").toFile());
        assertEquals(junit.getElementsByTagName("failure").getLength(), 2, "builds 2 and 3 are bad");
        assertTrue(Files.readString(dir.resolve("index.html")).contains("first bad"));

        // host safety: safe kernel running, the original default entry back, nothing of ours left in grub.d
        try (SshShell ssh = LabFixture.ssh()) {
            assertEquals(ssh.check("uname -r", Duration.ofSeconds(15)), safe);
            assertEquals(grubenv(ssh.run("grub-editenv list", Duration.ofSeconds(15)).out()), grubenv(savedBefore),
                    "grubenv as before (GRUB itself leaves an empty next_entry after a one-time boot)");
            assertFalse(ssh.run("test -e /etc/default/grub.d/99-kdump-harness-bisect.cfg", Duration.ofSeconds(15)).ok());
        }
        assertTrue(Files.readString(journal).contains("\"kind\":\"RESTORE\""));

        // status, log and replay read the same journal without a host
        Path log3 = work.resolve("bisect-status.log");
        Files.deleteIfExists(log3);
        Process status = HarnessProcess.start(work, log3, "bisect", "status", "--dir", dir.toString());
        assertTrue(status.waitFor(2, TimeUnit.MINUTES));
        assertTrue(Files.readString(log3).contains("FOUND"), Files.readString(log3));
        Process replay = HarnessProcess.start(work, log3, "bisect", "replay", journal.toString(), "--out", work.resolve("replayed").toString());
        assertTrue(replay.waitFor(2, TimeUnit.MINUTES));
        assertEquals(JSON.readTree(work.resolve("replayed/bisect.json").toFile()).get("answer").get("firstBad").asText(),
                "02-" + kernels.get(1));
    }

    private static java.util.Map<String, String> grubenv(String list) {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        for (String l : list.split("\n")) {
            int eq = l.indexOf('=');
            if (eq > 0 && eq < l.length() - 1) {
                m.put(l.substring(0, eq), l.substring(eq + 1));
            }
        }
        return m;
    }

    private static List<Journal.Entry> trials(Path journal) {
        return new Journal(journal).read(new ArrayList<>()).stream().filter(e -> e.kind() == Journal.Kind.TRIAL).toList();
    }

    static void deleteTree(Path p) throws Exception {
        if (Files.exists(p)) {
            try (var s = Files.walk(p)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }
}
