package io.kdumplab.harness.nightly;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Night-over-night comparison of each cell (host, kernel, scenario): its
 * judged verdicts tonight (all repeats) against the same cell on earlier
 * nights. Infrastructure errors and cells not run never count either way.
 */
public final class Regressions {
    /** How far back a cell's history is read. */
    static final int NIGHTS_BACK = 7;

    public enum Status {
        /** Passed on every earlier judged night, fails now (or its failure rate rose, p < 0.05). */
        REGRESSION,
        /** Failed before too. */
        STILL_FAILING,
        /** Earlier nights both passed and failed: tonight's failure is no news. */
        FLAKY,
        /** Fails on its first judged night. */
        NEW_FAIL,
        /** Failed on the last judged night, passes now. */
        FIXED,
        PASS,
        /** Only infrastructure errors tonight: no verdict on the kernel. */
        INFRA,
        NOT_RUN
    }

    /** One cell key's comparison, with the evidence a lab engineer starts from. */
    public record Row(String host, String kernel, String scenario, Status status, List<CellRow> tonight,
                      List<EarlierCell> earlier, String statement) {}

    private Regressions() {}

    /** `earlier(host, kernel, scenario)` gives the judged cells of earlier nights, newest first. */
    public static List<Row> compare(List<CellRow> cells, java.util.function.Function<CellRow, List<EarlierCell>> earlier) {
        Map<String, List<CellRow>> byKey = new LinkedHashMap<>();
        for (CellRow c : cells) {
            byKey.computeIfAbsent(c.host() + "|" + c.kernel() + "|" + c.scenario(), k -> new ArrayList<>()).add(c);
        }
        List<Row> rows = new ArrayList<>();
        for (List<CellRow> group : byKey.values()) {
            CellRow first = group.get(0);
            List<EarlierCell> past = earlier.apply(first);
            rows.add(classify(first, group, limitNights(past)));
        }
        rows.sort((a, b) -> Integer.compare(a.status().ordinal(), b.status().ordinal()));
        return rows;
    }

    static List<EarlierCell> limitNights(List<EarlierCell> past) {
        List<java.time.LocalDate> nights = past.stream().map(EarlierCell::night).distinct().limit(NIGHTS_BACK).toList();
        return past.stream().filter(r -> nights.contains(r.night())).toList();
    }

    static Row classify(CellRow first, List<CellRow> tonight, List<EarlierCell> past) {
        long fails = tonight.stream().filter(c -> "FAIL".equals(c.verdict())).count();
        long judged = tonight.stream().filter(c -> "PASS".equals(c.verdict()) || "FAIL".equals(c.verdict())).count();
        long pastFails = past.stream().filter(r -> r.verdict().equals("FAIL")).count();
        long pastN = past.size();
        Status s;
        String statement;
        if (judged == 0) {
            boolean infra = tonight.stream().anyMatch(c -> c.verdict() != null && !c.verdict().equals("NOT_RUN"));
            s = infra ? Status.INFRA : Status.NOT_RUN;
            statement = infra ? "no verdict on the kernel tonight: " + tonight.get(0).verdict() + " (" + tonight.get(0).reason() + ")"
                    : "not run within the night's budget";
        } else if (fails == 0) {
            boolean lastFailed = !past.isEmpty() && past.stream().filter(r -> r.night().equals(past.get(0).night()))
                    .anyMatch(r -> r.verdict().equals("FAIL"));
            s = lastFailed ? Status.FIXED : Status.PASS;
            statement = judged + "/" + judged + " passed" + (lastFailed ? "; failed on " + past.get(0).night() : "");
        } else if (pastN == 0) {
            s = Status.NEW_FAIL;
            statement = fails + "/" + judged + " failed; no earlier judged night";
        } else if (pastFails == 0) {
            s = Status.REGRESSION;
            statement = fails + "/" + judged + " failed tonight; passed " + pastN + "/" + pastN + " on earlier nights (last "
                    + past.get(0).night() + ", build " + past.get(0).build() + ")" + (judged > 1 || pastN > 1
                    ? String.format(java.util.Locale.ROOT, "; p = %.3f that the failure rate did not rise (Fisher, one-sided)",
                    fisherOneSided(fails, judged, pastFails, pastN)) : "");
        } else if (pastFails == pastN) {
            s = Status.STILL_FAILING;
            statement = fails + "/" + judged + " failed; failed on every earlier judged night too";
        } else {
            double p = fisherOneSided(fails, judged, pastFails, pastN);
            s = p < 0.05 ? Status.REGRESSION : Status.FLAKY;
            statement = String.format(java.util.Locale.ROOT, "%d/%d failed tonight vs %d/%d on earlier nights: %s (p = %.3f)",
                    fails, judged, pastFails, pastN, p < 0.05 ? "the failure rate rose" : "flaky, no significant change", p);
        }
        return new Row(first.host(), first.kernel(), first.scenario(), s, tonight, past, statement);
    }

    /** P(at least `a` failures tonight out of n1 | the same rate as before), by Fisher's exact test on the 2x2 table. */
    static double fisherOneSided(long a, long n1, long c, long n2) {
        long fails = a + c;
        long n = n1 + n2;
        double p = 0;
        for (long x = a; x <= Math.min(n1, fails); x++) {
            p += Math.exp(logChoose(n1, x) + logChoose(n2, fails - x) - logChoose(n, fails));
        }
        return Math.min(1, p);
    }

    private static double logChoose(long n, long k) {
        if (k < 0 || k > n) {
            return Double.NEGATIVE_INFINITY;
        }
        double s = 0;
        for (long i = 1; i <= k; i++) {
            s += Math.log(n - k + i) - Math.log(i);
        }
        return s;
    }
}
