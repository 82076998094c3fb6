package io.kdumplab.harness.bisect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The bisection statistics alone, simulated (seeded, repeatable): thousands of
 * bisections over an ordered list of builds with a known first bad build
 * (uniform) and a known true repro rate; a trial on a bad build fails with that
 * rate, a good build never fails. For each true rate and each stated rate the
 * adaptive model is compared, in trials, build switches and machine time, with
 * the ideal Bayesian scheme that knows the true rate (and counts trials only),
 * and with ktest.pl's fixed N trials per build (BISECT_TRIES; a build is bad at
 * its first failure, good after N passes) at the smallest N whose error is not
 * above the adaptive one's, computed exactly rather than sampled.
 */
public final class BisectSimulation {
    /** One scheme's figures over many bisections. */
    public record Figures(double error, double meanTrials, double meanSwitches, double meanMachineSeconds, int p95Trials,
                          int unfinished) {}

    /** One line of the table: a true rate, a stated rate, and the three schemes. */
    public record Row(double trueRate, double statedRate, String statedLabel, int bisections, double target, Figures adaptive,
                      Figures ideal, int fixedTries, Figures fixed) {}

    private BisectSimulation() {}

    /** One simulated bisection's end. */
    record Outcome(BisectModel.Range answer, int trials, int switches, int installs, boolean finished) {}

    /** A bisection by `model` against the truth (first bad, rate); builds in `untestable` are skipped when picked. */
    static Outcome bisect(BisectModel model, int firstBad, double rate, boolean[] untestable, int maxTrials, double budgetSeconds,
                          SplittableRandom rnd) {
        while (!model.done() && model.trials() < maxTrials && model.machineSeconds() < budgetSeconds && !model.exhausted()) {
            int k = model.next();
            if (untestable != null && untestable[k]) {
                model.at(k); // the switch and the failed install are paid before the build is known untestable
                model.skip(k);
                continue;
            }
            model.observe(k, k >= firstBad && rnd.nextDouble() < rate);
        }
        return new Outcome(model.bestRange(), model.trials(), model.switches(), model.installs(), model.done());
    }

    /**
     * ktest's fixed-N binary search, exactly: for each first bad build, the
     * probability of each path of the search. A bad build passes all N trials
     * with probability (1-p)^N and sends the search the wrong way; every step
     * is a new build (a switch and an install).
     */
    static Figures fixedExact(int builds, double rate, int tries, BisectModel.Costs costs) {
        double q = 1 - rate;
        double allPass = Math.pow(q, tries);
        // expected trials on a bad build: the first failure, or N passes
        double badTrials = rate >= 1 ? 1 : (1 - allPass) / rate;
        double error = 0;
        double trials = 0;
        double steps = 0;
        for (int f = 1; f < builds; f++) {
            double[] e = fixedFrom(0, builds - 1, f, tries, allPass, badTrials);
            error += e[0];
            trials += e[1];
            steps += e[2];
        }
        int m = builds - 1;
        error /= m;
        trials /= m;
        steps /= m;
        double machine = trials * costs.trialSeconds() + steps * (costs.switchSeconds() + costs.installSeconds());
        return new Figures(error, trials, steps, machine, -1, 0);
    }

    /** {P(wrong answer), E[trials], E[steps]} of the search on (good, bad) with first bad f. */
    private static double[] fixedFrom(int good, int bad, int f, int tries, double allPass, double badTrials) {
        if (bad - good <= 1) {
            return new double[] {bad == f ? 0 : 1, 0, 0};
        }
        int mid = (good + bad) >>> 1;
        if (mid < f) {
            double[] r = fixedFrom(mid, bad, f, tries, allPass, badTrials);
            return new double[] {r[0], r[1] + tries, r[2] + 1};
        }
        double[] left = fixedFrom(good, mid, f, tries, allPass, badTrials);
        double[] right = allPass > 0 ? fixedFrom(mid, bad, f, tries, allPass, badTrials) : new double[3];
        return new double[] {(1 - allPass) * left[0] + allPass * right[0],
                badTrials + (1 - allPass) * left[1] + allPass * right[1], 1 + (1 - allPass) * left[2] + allPass * right[2]};
    }

    /**
     * The benchmark grid: for each true rate, the stated rates trueRate x each multiplier (those above 100% are
     * left out: no rate can be stated above certainty).
     */
    public static List<Row> run(int builds, int bisections, double[] trueRates, double[] multipliers, double errorRate,
                                BisectModel.Costs costs, long seed) {
        List<Row> rows = new ArrayList<>();
        for (double rate : trueRates) {
            Figures ideal = simulate(builds, bisections, rate, errorRate, seed, () -> BisectModel.knownRate(builds, rate, errorRate),
                    costs);
            for (double mult : multipliers) {
                double stated = Math.round(rate * mult * 1000) / 1000.0;
                if (stated > 1) {
                    continue;
                }
                Figures adaptive = simulate(builds, bisections, rate, errorRate, seed,
                        () -> new BisectModel(builds, stated, errorRate, costs), costs, 0,
                        TrialLimit.defaultMaxTrials(builds, stated, errorRate));
                FixedN fixed = fixedAtEqualError(builds, rate, adaptive.error(), bisections, costs);
                rows.add(new Row(rate, stated, String.format(Locale.ROOT, "%.0f%% (%sx)", stated * 100, trim(mult)), bisections,
                        errorRate, adaptive, ideal, fixed.tries(), fixed.figures()));
            }
        }
        return rows;
    }

    /** ktest's fixed-N at the smallest N whose exact error is not above `error`. */
    record FixedN(int tries, Figures figures) {}

    static FixedN fixedAtEqualError(int builds, double rate, double error, int bisections, BisectModel.Costs costs) {
        // no sampled error is below one bisection in `bisections`, so a measured 0 is compared as that
        double match = Math.max(error, 1.0 / bisections);
        int n = 1;
        Figures fixed = fixedExact(builds, rate, n, costs);
        while (fixed.error() > match && n < 200) {
            fixed = fixedExact(builds, rate, ++n, costs);
        }
        return new FixedN(n, fixed);
    }

    /**
     * The selection rule's own limit: the same model and costs, but told the true rate (no rate to learn). What
     * the adaptive scheme loses to not knowing the rate is the gap to this line; what the rule itself leaves to a
     * better policy is this line's gap to the target.
     */
    public static String knownRateTable(int builds, int bisections, double[] trueRates, double errorRate, BisectModel.Costs costs,
                                        long seed) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "the same rule and costs told the true rate (the selection rule's own limit):%n"));
        for (double rate : trueRates) {
            Figures k = simulate(builds, bisections, rate, errorRate, seed,
                    () -> new BisectModel(builds, RatePrior.known(rate), errorRate, costs), costs);
            FixedN fixed = fixedAtEqualError(builds, rate, k.error(), bisections, costs);
            b.append(String.format(Locale.ROOT, "%4.0f%%: error %5.2f%%, trials %5.1f, switches %5.1f, %.2f h | fixed-N N=%d %.2f h | %.2fx%n",
                    rate * 100, k.error() * 100, k.meanTrials(), k.meanSwitches(), k.meanMachineSeconds() / 3600, fixed.tries(),
                    fixed.figures().meanMachineSeconds() / 3600, k.meanMachineSeconds() / fixed.figures().meanMachineSeconds()));
        }
        return b.toString();
    }

    /**
     * {true, stated} pairs beyond the benchmark grid: what a user who states 100% for a bug that sometimes passes,
     * a rate far too high, or a low rate should expect.
     */
    public static String beyondTheGridTable(int builds, int bisections, double[][] trueAndStated, double errorRate,
                                        BisectModel.Costs costs, long seed) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "beyond the grid: rates stated wrong, low rates (default --max-trials):%n"));
        for (double[] ts : trueAndStated) {
            double rate = ts[0];
            double stated = ts[1];
            Figures f = simulate(builds, bisections, rate, errorRate, seed, () -> new BisectModel(builds, stated, errorRate, costs),
                    costs, 0, TrialLimit.defaultMaxTrials(builds, stated, errorRate));
            b.append(String.format(Locale.ROOT, "true %3.0f%% stated %3.0f%%: wrong %5.2f%%, trials %5.1f, switches %5.1f, %.2f h%n",
                    rate * 100, stated * 100, f.error() * 100, f.meanTrials(), f.meanSwitches(), f.meanMachineSeconds() / 3600));
        }
        return b.toString();
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((int) v) : String.valueOf(v);
    }

    /** Many seeded bisections with one kind of model; trials, switches and machine time under `costs`. */
    static Figures simulate(int builds, int bisections, double rate, double errorRate, long seed,
                            java.util.function.Supplier<BisectModel> models, BisectModel.Costs costs) {
        return simulate(builds, bisections, rate, errorRate, seed, models, costs, 0, 100_000);
    }

    /** With a share of the candidate builds untestable (found out when first picked) and a trial limit. */
    static Figures simulate(int builds, int bisections, double rate, double errorRate, long seed,
                            java.util.function.Supplier<BisectModel> models, BisectModel.Costs costs, double skipShare,
                            int maxTrials) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int wrong = 0;
        int unfinished = 0;
        int[] trials = new int[bisections];
        double switches = 0;
        double machine = 0;
        for (int i = 0; i < bisections; i++) {
            int firstBad = 1 + rnd.nextInt(builds - 1);
            boolean[] untestable = null;
            if (skipShare > 0) {
                untestable = new boolean[builds];
                for (int k = 1; k < builds - 1; k++) {
                    untestable[k] = rnd.nextDouble() < skipShare;
                }
            }
            BisectModel m = models.get();
            int cap = maxTrials;
            Outcome o = bisect(m, firstBad, rate, untestable, cap, Double.MAX_VALUE, rnd.split());
            // with skipped builds the answer is right when its range holds the first bad build
            if (!o.answer().contains(firstBad)) {
                wrong++;
            }
            if (!o.finished()) {
                unfinished++;
            }
            trials[i] = o.trials();
            switches += o.switches();
            machine += recost(o, costs);
        }
        int[] sorted = trials.clone();
        Arrays.sort(sorted);
        return new Figures((double) wrong / bisections, Arrays.stream(trials).average().orElse(0), switches / bisections,
                machine / bisections, sorted[(int) Math.floor(0.95 * (bisections - 1))], unfinished);
    }

    /** Machine time of an outcome under the benchmark's costs (the ideal scheme selects by trials but pays the same). */
    private static double recost(Outcome o, BisectModel.Costs costs) {
        return o.trials() * costs.trialSeconds() + o.switches() * costs.switchSeconds() + o.installs() * costs.installSeconds();
    }

    /** With a share of the builds untestable, at stated = true rate, within the product's default trial limit. */
    public static String skipTable(int builds, int bisections, double[] trueRates, double skipShare, double errorRate,
                                   BisectModel.Costs costs, long seed) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "with %.0f%% of the builds untestable (stated = true rate, default --max-trials):%n", skipShare * 100));
        for (double rate : trueRates) {
            int cap = TrialLimit.defaultMaxTrials(builds, rate, errorRate);
            Figures f = simulate(builds, bisections, rate, errorRate, seed, () -> new BisectModel(builds, rate, errorRate, costs),
                    costs, skipShare, cap);
            b.append(String.format(Locale.ROOT,
                    "%4.0f%%: answer (build or range) wrong %5.2f%%, unfinished %d of %d (limit %d trials), trials %.1f, switches %.1f, %.2f h%n",
                    rate * 100, f.error() * 100, f.unfinished(), bisections, cap, f.meanTrials(), f.meanSwitches(),
                    f.meanMachineSeconds() / 3600));
        }
        return b.toString();
    }

    public static String table(List<Row> rows, BisectModel.Costs costs) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "costs: trial %.0f s, build switch %.0f s, first install %.0f s; target error %.1f%%%n",
                costs.trialSeconds(), costs.switchSeconds(), costs.installSeconds(), rows.isEmpty() ? 0 : rows.get(0).target() * 100));
        b.append(String.format(Locale.ROOT, "%-5s %-12s | %-33s | %-33s | %-37s | %s%n", "true", "stated",
                "adaptive: error trials switch hours", "fixed-N at equal error: N ...", "known-rate ideal: error trials switch h",
                "time vs fixed"));
        for (Row r : rows) {
            Figures a = r.adaptive();
            Figures f = r.fixed();
            Figures i = r.ideal();
            b.append(String.format(Locale.ROOT,
                    "%4.0f%% %-12s | %5.2f%% %6.1f %6.1f %6.2f h      | N=%-2d %5.2f%% %6.1f %5.1f %5.2f h   | %5.2f%% %6.1f %6.1f %6.2f h         | %.2fx%s%n",
                    r.trueRate() * 100, r.statedLabel(), a.error() * 100, a.meanTrials(), a.meanSwitches(),
                    a.meanMachineSeconds() / 3600, r.fixedTries(), f.error() * 100, f.meanTrials(), f.meanSwitches(),
                    f.meanMachineSeconds() / 3600, i.error() * 100, i.meanTrials(), i.meanSwitches(), i.meanMachineSeconds() / 3600,
                    a.meanMachineSeconds() / f.meanMachineSeconds(), a.unfinished() > 0 ? "  (" + a.unfinished() + " unfinished)" : ""));
        }
        return b.toString();
    }
}
