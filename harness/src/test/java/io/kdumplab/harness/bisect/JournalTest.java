package io.kdumplab.harness.bisect;

import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

public class JournalTest {
    @Test
    public void resumeReplaysFinishedTrialsAndIgnoresATornLine() throws Exception {
        Path f = Files.createTempDirectory("journal").resolve("bisect.jsonl");
        Journal j = new Journal(f);
        j.append(new Journal.Entry("2026-11-26T10:00:00Z", 8, "6.1.0-51", "PASS", "r1", null));
        j.append(new Journal.Entry("2026-11-26T10:03:00Z", 12, "6.1.0-55", "FAIL", "r2", "hang"));
        j.append(new Journal.Entry("2026-11-26T10:06:00Z", 10, "6.1.0-53", "INFRA_ERROR", "r3", "bmc: timeout"));
        Files.writeString(f, "{\"at\":\"2026-11-26T10:09:00Z\",\"buildIndex\":1", StandardOpenOption.APPEND);

        List<String> warnings = new ArrayList<>();
        List<Journal.Entry> entries = new Journal(f).read(warnings);
        assertEquals(entries.size(), 3);
        assertEquals(warnings.size(), 1);
        assertTrue(warnings.get(0).contains("bisect.jsonl:4"), warnings.toString());

        BisectModel fresh = Journal.replay(entries, new BisectModel(16, 0.5, 0.05));
        assertEquals(fresh.trials(), 2, "only judged trials inform the model");
        BisectModel direct = new BisectModel(16, 0.5, 0.05);
        direct.observe(8, false);
        direct.observe(12, true);
        assertEquals(fresh.next(), direct.next(), "a resumed bisection continues where it stopped");
        assertEquals(fresh.confidence(), direct.confidence(), 1e-12);
    }
}
