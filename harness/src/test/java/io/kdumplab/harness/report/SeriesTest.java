package io.kdumplab.harness.report;

import io.kdumplab.harness.run.RunResult;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

@Test(groups = "unit")
public class SeriesTest {
    static RunResult run(String id, String verdict) {
        RunResult r = new RunResult();
        r.runId = id;
        r.verdict = io.kdumplab.harness.verdict.Verdict.valueOf(verdict);
        r.reason = verdict.toLowerCase();
        r.target.host = "h";
        r.target.kernel = "6.1.0-56-rt-amd64";
        return r;
    }

    @Test
    public void wilsonIntervalMatchesTheTextbook() {
        double[] w = Series.wilson(3, 10); // 30%: 10.8% .. 60.3%
        assertEquals(w[0], 0.1078, 0.0005);
        assertEquals(w[1], 0.6032, 0.0005);
        double[] none = Series.wilson(0, 3);
        assertEquals(none[0], 0.0, 1e-9);
        assertEquals(none[1], 0.5615, 0.0005);
    }

    @Test
    public void infrastructureErrorsAreListedAndExcludedFromTheRate() {
        Series s = Series.of("series-x", 3, List.of(run("a", "FAIL"), run("b", "INFRA_ERROR"), run("c", "PASS")), null);
        assertEquals(s.judged, 2);
        assertEquals(s.failures, 1);
        assertEquals(s.reproRate, 0.5, 1e-9);
        assertEquals(s.notJudged.size(), 1);
        assertTrue(s.notJudged.get(0).startsWith("b INFRA_ERROR"), s.notJudged.toString());
        assertEquals(s.exitCode(), 1, "any FAIL");
        assertTrue(s.line().contains("1/2 = 50% (95% CI 9%-91%)"), s.line());
        assertEquals(Series.of("y", 2, List.of(run("a", "PASS"), run("b", "PASS")), null).exitCode(), 0);
        Series none = Series.of("z", 2, List.of(run("a", "INFRA_ERROR"), run("b", "KDUMP_NOT_READY")), null);
        assertEquals(none.exitCode(), 125, "nothing judged");
        assertNull(none.reproRate);
    }

    @Test
    public void theSummaryIsWrittenWithOneJUnitTestcasePerRunAndShownInTheHistory() throws Exception {
        Path root = Files.createTempDirectory("reports");
        for (RunResult r : List.of(run("20261127-1-a", "FAIL"), run("20261127-2-b", "PASS"))) {
            Files.createDirectories(root.resolve(r.runId));
            r.save(root.resolve(r.runId).resolve("result.json"));
        }
        Series s = Series.of("series-t", 2, List.of(run("20261127-1-a", "FAIL"), run("20261127-2-b", "PASS")), null);
        s.write(root);
        String xml = Files.readString(root.resolve("series/series-t.xml"));
        assertEquals(xml.split("<testcase ", -1).length - 1, 2, xml);
        assertTrue(xml.contains("<failure"), xml);
        assertEquals(Series.readAll(root).get(0).failures, 1);
        String history = Files.readString(root.resolve("index.html"));
        assertTrue(history.contains("series-t") && history.contains("1/2 = 50%"), history);
    }
}
