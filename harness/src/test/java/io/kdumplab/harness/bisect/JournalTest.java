package io.kdumplab.harness.bisect;

import io.kdumplab.harness.device.boot.BootEntries;
import io.kdumplab.harness.failure.ConfigurationException;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

@Test(groups = "unit")
public class JournalTest {
    static Journal.Start start(int builds) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < builds; i++) {
            names.add("b" + i);
        }
        return new Journal.Start("f00", names, 0.5, 0.05, "lab", "seed", "6.1.0-56-amd64",
                new BootEntries.Original("debian", null, false, null));
    }

    @Test
    public void resumeReplaysFinishedTrialsAndSkipsAndIgnoresATornLine() throws Exception {
        Path f = Files.createTempDirectory("journal").resolve("journal.jsonl");
        Journal j = new Journal(f);
        j.append(Journal.Entry.start(start(16)));
        j.append(Journal.Entry.trial(8, "b8", "PASS", "r1", null, null, 120));
        j.append(Journal.Entry.trial(12, "b12", "FAIL", "r2", "hang", null, 190));
        j.append(Journal.Entry.trial(10, "b10", "INFRA_ERROR", "r3", "bmc: timeout", null, 30));
        j.append(Journal.Entry.event(Journal.Kind.SKIP, 10, "b10", "does not boot", 0));
        Files.writeString(f, "{\"kind\":\"TRIAL\",\"at\":\"2026-11-26T10:09:00Z\",\"buildIndex\":1", StandardOpenOption.APPEND);

        List<String> warnings = new ArrayList<>();
        List<Journal.Entry> entries = new Journal(f).read(warnings);
        assertEquals(entries.size(), 5);
        assertEquals(warnings.size(), 1);
        assertTrue(warnings.get(0).contains("journal.jsonl:6"), warnings.toString());
        assertEquals(entries.get(0).start().safeKernel(), "6.1.0-56-amd64");

        BisectModel fresh = Journal.replay(entries, new BisectModel(16, 0.5, 0.05));
        assertEquals(fresh.trials(), 2, "only judged trials inform the model");
        assertTrue(fresh.isSkipped(10));
        BisectModel direct = new BisectModel(16, 0.5, 0.05);
        direct.observe(8, false);
        direct.observe(12, true);
        direct.skip(10);
        assertEquals(fresh.next(), direct.next(), "a resumed bisection continues where it stopped");
        assertEquals(fresh.confidence(), direct.confidence(), 1e-12);
    }

    @Test
    public void viewShowsStatusLogAndRecomputesReports() throws Exception {
        Path dir = Files.createTempDirectory("view");
        Journal j = new Journal(dir.resolve("journal.jsonl"));
        j.append(Journal.Entry.start(new Journal.Start("f", List.of("a", "b", "c", "d"), 1.0, 0.05, "lab", "seed", "k",
                new BootEntries.Original("debian", null, false, null))));
        j.append(Journal.Entry.event(Journal.Kind.INSTALL, 0, "a", null, 200));
        j.append(Journal.Entry.trial(0, "a", "PASS", "r1", "vmcore saved", null, 120));
        j.append(Journal.Entry.trial(3, "d", "FAIL", "r2", "hang", null, 190));
        j.append(Journal.Entry.trial(1, "b", "PASS", "r3", "vmcore saved", null, 125));
        j.append(Journal.Entry.trial(2, "c", "FAIL", "r4", "hang", null, 185));
        JournalView v = JournalView.open(dir.resolve("journal.jsonl"));
        BisectState s = v.state();
        assertEquals(s.status(), "RUNNING");
        assertEquals(s.answer().firstBad(), "c");
        assertTrue(s.answer().confidence() > 0.95, "" + s.answer().confidence());
        assertEquals(s.machineSeconds(), 820.0, 1e-6);
        assertEquals(s.builds().get(2).state(), "bad");
        assertTrue(v.logText().contains("trial c FAIL r4"), v.logText());
        assertTrue(v.statusText().contains("c "), v.statusText());
        v.writeReports(dir.resolve("out"));
        String junit = Files.readString(dir.resolve("out/junit.xml"));
        assertTrue(junit.contains("failures=\"2\""), junit);
        javax.xml.validation.SchemaFactory.newInstance(javax.xml.XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(new javax.xml.transform.stream.StreamSource(JournalTest.class.getResourceAsStream("/junit/junit-10.xsd")))
                .newValidator().validate(new javax.xml.transform.stream.StreamSource(dir.resolve("out/junit.xml").toFile()));
        assertTrue(Files.readString(dir.resolve("out/index.html")).contains("runs/r4/index.html"));

        Path other = Files.createTempFile("notjournal", ".jsonl");
        Files.writeString(other, "{\"kind\":\"TRIAL\",\"buildIndex\":0,\"verdict\":\"PASS\"}\n");
        ConfigurationException e = expectThrows(ConfigurationException.class, () -> JournalView.open(other));
        assertTrue(e.getMessage().contains("no start line"), e.getMessage());
    }

    @Test
    public void theFirstContactWaitsTheBootTimeoutOnlyWhenTheJournalSaysTheHostWasRebooting() {
        java.time.Duration boot = java.time.Duration.ofMinutes(10);
        java.util.List<Journal.Entry> fresh = java.util.List.of();
        assertEquals(BisectHost.firstContact(fresh, boot), java.time.Duration.ofSeconds(60), "a new bisection");
        java.util.List<Journal.Entry> afterTrial = java.util.List.of(Journal.Entry.start(start(4)),
                Journal.Entry.event(Journal.Kind.REBOOTING, 1, "b1", "trial r1 (its panic reboots the host)", 0),
                Journal.Entry.trial(1, "b1", "PASS", "r1", null, null, 110));
        assertEquals(BisectHost.firstContact(afterTrial, boot), java.time.Duration.ofSeconds(60), "the trial came back");
        java.util.List<Journal.Entry> killedMidTrial = java.util.List.of(Journal.Entry.start(start(4)),
                Journal.Entry.event(Journal.Kind.REBOOTING, 2, "b2", "trial r2 (its panic reboots the host)", 0));
        assertEquals(BisectHost.firstContact(killedMidTrial, boot), boot, "killed while the host rebooted");
    }

    @Test
    public void aJournalWithTheRebootingKindReadsBackAndShowsInTheLog() throws Exception {
        Path f = Files.createTempFile("journal", ".jsonl");
        Journal j = new Journal(f);
        j.append(Journal.Entry.start(start(4)));
        j.append(Journal.Entry.event(Journal.Kind.REBOOTING, 1, "b1", "boot into 6.1.0-55-amd64", 0));
        java.util.List<String> warnings = new java.util.ArrayList<>();
        java.util.List<Journal.Entry> back = j.read(warnings);
        assertEquals(back.get(1).kind(), Journal.Kind.REBOOTING);
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    /**
     * A journal as session-9 code wrote it (verbatim lines: the diagnosis rode in the reason after " - ") reads as if
     * written today: the diagnosis in its own field, the reason without it, and the bisection's state and report
     * count FAILs by diagnosis as before.
     */
    @Test
    public void aJournalWrittenBeforeTheDiagnosisHadItsOwnFieldIsReadWithoutLoss() throws Exception {
        Path f = Files.createTempDirectory("journal-old").resolve("journal.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"kind\":\"START\",\"at\":\"2026-12-04T10:00:00Z\",\"start\":{\"buildsFingerprint\":\"f00\",\"builds\":[\"b0\",\"b1\"],"
                        + "\"minReproRate\":0.5,\"errorRate\":0.05,\"host\":\"lab\",\"scenario\":\"seed\",\"safeKernel\":\"k\","
                        + "\"originalBoot\":{\"family\":\"debian\",\"dropInExisted\":false}}}",
                "{\"kind\":\"TRIAL\",\"at\":\"2026-12-04T10:05:00Z\",\"buildIndex\":1,\"build\":\"b1\",\"verdict\":\"FAIL\","
                        + "\"runId\":\"r2\",\"reason\":\"hang: the capture kernel did not start (last phase reached: PANIC); recovered by "
                        + "IPMI power cycle; no vmcore - stopped before the capture kernel: console backed up\",\"seconds\":190.0}",
                "{\"kind\":\"TRIAL\",\"at\":\"2026-12-04T10:09:00Z\",\"buildIndex\":0,\"build\":\"b0\",\"verdict\":\"PASS\","
                        + "\"runId\":\"r3\",\"reason\":\"vmcore saved and readable: /var/crash/x/dump.x\",\"seconds\":120.0}", ""));
        List<Journal.Entry> e = new Journal(f).read(new ArrayList<>());
        assertEquals(e.size(), 3);
        assertEquals(e.get(1).reason(), "hang: the capture kernel did not start (last phase reached: PANIC); recovered by IPMI power "
                + "cycle; no vmcore");
        assertEquals(e.get(1).diagnosis(), "stopped before the capture kernel: console backed up");
        assertEquals(e.get(2).diagnosis(), null, "a PASS has no diagnosis");
        assertEquals(e.get(2).reason(), "vmcore saved and readable: /var/crash/x/dump.x");
        assertTrue(e.get(1).failed() && e.get(1).judged());
    }
}
