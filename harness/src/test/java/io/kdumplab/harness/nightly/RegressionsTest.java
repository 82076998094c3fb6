package io.kdumplab.harness.nightly;

import org.testng.annotations.Test;

import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

@Test(groups = "unit")
public class RegressionsTest {
    static CellRow cell(String kernel, String verdict, int repeat) {
        return new CellRow("p/2026-11-28", "h|" + kernel + "|seed|" + repeat, "default", "h", kernel, kernel + "-b2", "seed", repeat,
                repeat, verdict.equals("NOT_RUN") ? "NOT_RUN" : "DONE", verdict, "why", "/r/" + kernel, 1, null);
    }

    /** Night names as the tests use them ("n1" < "n2" < "n3") become dates in that order. */
    static EarlierCell past(String night, String verdict) {
        java.time.LocalDate d = night.matches("\\d{4}-\\d{2}-\\d{2}") ? java.time.LocalDate.parse(night)
                : java.time.LocalDate.of(2026, 11, 1).plusDays(night.length() > 1 ? Integer.parseInt(night.substring(1)) : 0);
        return new EarlierCell(d, verdict, "b1", "/r/old");
    }

    @Test
    public void aCellThatPassedBeforeAndFailsNowIsARegressionWithItsEvidence() {
        var rows = Regressions.compare(List.of(cell("series", "FAIL", 1), cell("rt", "PASS", 1)),
                c -> c.kernel().equals("series") ? List.<EarlierCell>of(past("2026-11-27", "PASS")) : List.<EarlierCell>of(past("2026-11-27", "PASS")));
        assertEquals(rows.get(0).status(), Regressions.Status.REGRESSION, "regressions first");
        assertEquals(rows.get(0).kernel(), "series");
        assertTrue(rows.get(0).statement().contains("passed 1/1 on earlier nights (last 2026-11-27, build b1)"), rows.get(0).statement());
        assertEquals(rows.get(1).status(), Regressions.Status.PASS, "the other kernel stays unflagged");
    }

    @Test
    public void infrastructureErrorsAndCellsNotRunNeverCountAsFailures() {
        var infra = Regressions.classify(cell("k", "INFRA_ERROR", 1), List.of(cell("k", "INFRA_ERROR", 1)), List.<EarlierCell>of(past("n", "PASS")));
        assertEquals(infra.status(), Regressions.Status.INFRA);
        var notRun = Regressions.classify(cell("k", "NOT_RUN", 1), List.of(cell("k", "NOT_RUN", 1)), List.<EarlierCell>of(past("n", "PASS")));
        assertEquals(notRun.status(), Regressions.Status.NOT_RUN);
    }

    @Test
    public void withRepeatsARisingRateIsARegressionAndANoisyOneIsFlaky() {
        List<CellRow> tonight = List.of(cell("k", "FAIL", 1), cell("k", "FAIL", 2), cell("k", "FAIL", 3), cell("k", "FAIL", 4));
        List<EarlierCell> before = List.of(past("n3", "PASS"), past("n3", "PASS"), past("n2", "FAIL"), past("n2", "PASS"),
                past("n1", "PASS"), past("n1", "PASS"), past("n1", "PASS"), past("n1", "PASS"));
        var rose = Regressions.classify(tonight.get(0), tonight, before);
        assertEquals(rose.status(), Regressions.Status.REGRESSION, rose.statement());
        assertTrue(rose.statement().contains("the failure rate rose"), rose.statement());
        var flaky = Regressions.classify(tonight.get(0), List.of(cell("k", "FAIL", 1), cell("k", "PASS", 2)), before);
        assertEquals(flaky.status(), Regressions.Status.FLAKY, flaky.statement());
    }

    @Test
    public void fisherMatchesAHandComputation() {
        // 1 of 1 failing tonight vs 0 of 1 before: P(X >= 1) with 1 failure among 2 runs, 1 tonight = 1/2
        assertEquals(Regressions.fisherOneSided(1, 1, 0, 1), 0.5, 1e-12);
        // 3/3 vs 0/3: 1 / C(6,3) = 0.05
        assertEquals(Regressions.fisherOneSided(3, 3, 0, 3), 0.05, 1e-12);
    }

    @Test
    public void junitCountsRegressionsAsFailuresInfraAsErrorsAndNotRunAsSkipped() {
        var rows = Regressions.compare(List.of(cell("a", "FAIL", 1), cell("b", "INFRA_ERROR", 1), cell("c", "NOT_RUN", 1),
                cell("d", "PASS", 1)), c -> List.<EarlierCell>of(past("n", "PASS")));
        String xml = NightReport.junit("p/2026-11-28", rows);
        assertTrue(xml.contains("tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""), xml);
        String html = NightReport.html("p/2026-11-28", rows, java.util.Map.of("h", java.util.Optional.of(new HostHealth(false, "bmc: no answer", java.time.Instant.now()))));
        assertTrue(html.indexOf("<h2>Regressions") < html.indexOf("<h2>Matrix"), "regressions first");
        assertTrue(html.contains("UNHEALTHY: bmc: no answer"));
        // a summary in words, never a Java map such as {REGRESSION=1, PASS=1}
        assertTrue(html.matches("(?s).*<p>4 cells: [0-9a-z ]+(, [0-9a-z ]+)*</p>.*"), "a summary in words: " + html);
    }

    @Test
    public void twoFailsOfOneBuildWithDifferentDiagnosesAreShownAsTwoFindings() {
        String before = "stopped before the capture kernel: console backed up by 19135 messages at the NMI";
        String inside = "stopped in the capture kernel: out of memory (96 MiB reserved)";
        List<CellRow> tonight = List.of(failing(1, before), failing(2, inside), failing(3, before));
        var rows = Regressions.compare(tonight, c -> List.<EarlierCell>of(past("n", "PASS")));
        String html = NightReport.html("p/2026-11-28", rows, java.util.Map.of());
        assertTrue(html.contains("FAIL x2: stopped before the capture kernel: console backed up by 19135 messages at the NMI"), html);
        assertTrue(html.contains("FAIL: stopped in the capture kernel: out of memory (96 MiB reserved)"), html);
        String xml = NightReport.junit("p/2026-11-28", rows);
        assertTrue(xml.contains("FAIL x2: stopped before the capture kernel") && xml.contains("FAIL: stopped in the capture kernel"), xml);
    }

    @Test
    public void theMorningReportShowsATakenOverAttemptAndWhoFinishedTheCell() {
        CellRow c = cell("k", "PASS", 1);
        CellRow twice = new CellRow(c.nightId(), c.key(), c.lab(), c.host(), c.kernel(), c.build(), c.scenario(), c.repeat(),
                c.seq(), c.state(), c.verdict(), c.reason(), c.report(), 2, null);
        var rows = Regressions.compare(List.of(twice, cell("j", "PASS", 1)), x -> List.<EarlierCell>of());
        var attempts = List.of(
                new NightStore.AttemptRow(c.key(), "orchestrator-a", 41, "INTERRUPTED", null,
                        "the orchestrator running it stopped answering; taken over by orchestrator-b"),
                new NightStore.AttemptRow("h|j|seed|1", "orchestrator-a", 41, "DONE", "PASS", "vmcore saved"),
                new NightStore.AttemptRow(c.key(), "orchestrator-b", 42, "DONE", "PASS", "vmcore saved"));
        String html = NightReport.html("p/2026-11-28", rows, java.util.Map.of(), attempts);
        String section = html.substring(html.indexOf("<h2>Cells that took more than one attempt"));
        assertTrue(section.contains("1. <b>INTERRUPTED</b> by orchestrator-a (lease token 41): the orchestrator running it stopped"
                + " answering; taken over by orchestrator-b<br>2. <b>PASS</b> by orchestrator-b (lease token 42)"), section);
        assertFalse(section.contains("h|j|seed|1"), "a cell run once is not listed: " + section);
        assertTrue(html.contains("more than one attempt: see below"), html);
        String none = NightReport.html("p/2026-11-28", rows, java.util.Map.of(), List.of());
        assertTrue(none.contains("<h2>Cells that took more than one attempt</h2>\n<p>none</p>"), none);
    }

    private static CellRow failing(int repeat, String diagnosis) {
        CellRow c = cell("k", "FAIL", repeat);
        return new CellRow(c.nightId(), c.key(), c.lab(), c.host(), c.kernel(), c.build(), c.scenario(), c.repeat(), c.seq(),
                c.state(), c.verdict(), "no vmcore", c.report(), c.attempts(), diagnosis);
    }
}
