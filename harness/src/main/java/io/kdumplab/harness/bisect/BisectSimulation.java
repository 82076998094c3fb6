package io.kdumplab.harness.bisect;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The bisection statistics alone, simulated (seeded, repeatable): thousands of
 * bisections over an ordered list of builds with a known first bad build and a
 * known repro rate; each trial on a bad build fails with that rate, a good
 * build never fails. Compares the adaptive model with a fixed number of trials
 * per build (ktest.pl BISECT_TRIES: a build is good only if all N pass; it is
 * bad at its first failure).
 */
public final class BisectSimulation {
    public record Row(String strategy, double reproRate, int bisections, double errorRate, double meanTrials,
                      double p95Trials) {}

    private BisectSimulation() {}

    /** Fixed N trials per build, plain binary search. Returns {answer, trials}. */
    static int[] fixed(int builds, int firstBad, double rate, int tries, SplittableRandom rnd) {
        int good = 0;
        int bad = builds - 1;
        int trials = 0;
        while (bad - good > 1) {
            int mid = (good + bad) >>> 1;
            boolean failed = false;
            for (int t = 0; t < tries && !failed; t++) {
                trials++;
                failed = mid >= firstBad && rnd.nextDouble() < rate;
            }
            if (failed) {
                bad = mid;
            } else {
                good = mid;
            }
        }
        return new int[] {bad, trials};
    }

    /** The adaptive model. Returns {answer, trials}. */
    static int[] adaptive(int builds, int firstBad, double rate, double pMin, double errorRate, SplittableRandom rnd) {
        BisectModel m = new BisectModel(builds, pMin, errorRate);
        int cap = 2000;
        while (!m.done() && m.trials() < cap) {
            int k = Math.max(1, m.next());
            boolean failed = k >= firstBad && rnd.nextDouble() < rate;
            m.observe(k, failed);
        }
        return new int[] {m.best(), m.trials()};
    }

    /**
     * @param pMins the repro rate the user states for each true rate (a lower bound)
     */
    public static List<Row> run(int builds, int bisections, double[] rates, double[] pMins, double errorRate, int fixedTries,
                                long seed) {
        List<Row> rows = new ArrayList<>();
        for (int ri = 0; ri < rates.length; ri++) {
            double rate = rates[ri];
            double pMin = pMins[ri];
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] wrongFixed = {0};
            int[] wrongAdaptive = {0};
            List<Integer> tf = new ArrayList<>();
            List<Integer> ta = new ArrayList<>();
            for (int i = 0; i < bisections; i++) {
                int firstBad = 1 + rnd.nextInt(builds - 1);
                int[] f = fixed(builds, firstBad, rate, fixedTries, rnd.split());
                int[] a = adaptive(builds, firstBad, rate, pMin, errorRate, rnd.split());
                if (f[0] != firstBad) {
                    wrongFixed[0]++;
                }
                if (a[0] != firstBad) {
                    wrongAdaptive[0]++;
                }
                tf.add(f[1]);
                ta.add(a[1]);
            }
            rows.add(row("fixed " + fixedTries + " per build", rate, bisections, wrongFixed[0], tf));
            rows.add(row(String.format(Locale.ROOT, "adaptive (pMin %.0f%%, err %.0f%%)", pMin * 100, errorRate * 100),
                    rate, bisections, wrongAdaptive[0], ta));
        }
        return rows;
    }

    private static Row row(String name, double rate, int n, int wrong, List<Integer> trials) {
        List<Integer> sorted = new ArrayList<>(trials);
        sorted.sort(Integer::compare);
        double mean = trials.stream().mapToInt(Integer::intValue).average().orElse(0);
        return new Row(name, rate, n, (double) wrong / n, mean, sorted.get((int) Math.floor(0.95 * (sorted.size() - 1))));
    }

    public static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-30s %6s %8s %10s %11s %9s%n",
                "strategy", "rate", "runs", "error", "mean trials", "p95"));
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%-30s %5.0f%% %8d %9.2f%% %11.1f %9.0f%n", r.strategy(), r.reproRate() * 100,
                    r.bisections(), r.errorRate() * 100, r.meanTrials(), r.p95Trials()));
        }
        return b.toString();
    }

    public static void main(String[] args) {
        System.out.print(table(run(64, 2000, new double[] {0.3, 0.6, 1.0}, new double[] {0.3, 0.5, 0.9}, 0.02, 5, 42)));
    }
}
