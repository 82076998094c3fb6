package io.kdumplab.harness.bisect;

/**
 * Probabilistic bisection of an intermittent failure over an ordered list of
 * builds 0..n-1, where build 0 is a verified good endpoint and build n-1 a
 * verified bad one. The unknown is the first bad build f (1..n-1) and the
 * repro rate p of bad builds, which the user bounds from below (p >= pMin).
 *
 * A joint posterior over (f, p) is kept on a grid of p values. Each trial on
 * build k updates it: if k >= f the build is bad and fails with probability p,
 * otherwise it is good and fails with probability eps (a false failure, kept
 * small but not zero so one odd result cannot end a bisection). The next build
 * to test is the posterior median of f; the bisection stops when one build
 * holds at least 1 - errorRate of the posterior mass.
 *
 * Information is shared across builds, and p is learnt as trials come in, so a
 * deterministic bug costs about one trial per halving while a 30% one gets the
 * repeats it needs, instead of a fixed number per build (ktest's BISECT_TRIES).
 */
public final class BisectModel {
    private final int n;
    private final double[] pGrid;
    private final double eps;
    private final double errorRate;
    /** post[f][j]: posterior mass of first bad = f, rate = pGrid[j]; f in 1..n-1. */
    private final double[][] post;
    /** Builds that cannot be tested (install, boot or infrastructure failed too often): like `git bisect skip`. */
    private final boolean[] skipped;
    private int trials;

    public BisectModel(int builds, double pMin, double errorRate) {
        this(builds, pMin, errorRate, 0.002, 8);
    }

    public BisectModel(int builds, double pMin, double errorRate, double eps, int gridPoints) {
        if (builds < 2) {
            throw new IllegalArgumentException("need at least a good and a bad endpoint");
        }
        if (pMin <= 0 || pMin > 1 || errorRate <= 0 || errorRate >= 0.5) {
            throw new IllegalArgumentException("pMin must be in (0, 1], errorRate in (0, 0.5)");
        }
        this.n = builds;
        this.eps = eps;
        this.errorRate = errorRate;
        this.pGrid = new double[gridPoints];
        for (int j = 0; j < gridPoints; j++) {
            pGrid[j] = gridPoints == 1 ? pMin : pMin + (1.0 - pMin) * j / (gridPoints - 1);
        }
        this.post = new double[n][gridPoints];
        this.skipped = new boolean[n];
        // Half the prior mass on p = pMin, the worst case the user allows, so the
        // stopping rule stays honest when the bug is as rare as stated; the rest
        // spread over faster rates, so a frequent bug is recognised and costs less.
        for (int f = 1; f < n; f++) {
            for (int j = 0; j < gridPoints; j++) {
                double wp = gridPoints == 1 ? 1.0 : j == 0 ? 0.5 : 0.5 / (gridPoints - 1);
                post[f][j] = wp / (n - 1);
            }
        }
    }

    /** Records one judged trial (PASS or FAIL) on build k. */
    public void observe(int k, boolean failed) {
        if (k < 0 || k >= n) {
            throw new IllegalArgumentException("build index " + k + " out of 0.." + (n - 1));
        }
        trials++;
        double total = 0;
        for (int f = 1; f < n; f++) {
            for (int j = 0; j < pGrid.length; j++) {
                double pf = k >= f ? pGrid[j] : eps;
                post[f][j] *= failed ? pf : 1 - pf;
                total += post[f][j];
            }
        }
        for (int f = 1; f < n; f++) {
            for (int j = 0; j < pGrid.length; j++) {
                post[f][j] /= total;
            }
        }
    }

    /** Posterior probability that build f is the first bad one. */
    public double probabilityFirstBad(int f) {
        if (f < 1 || f >= n) {
            return 0;
        }
        double s = 0;
        for (double v : post[f]) {
            s += v;
        }
        return s;
    }

    /**
     * Marks build k untestable. Its trials can no longer split "first bad = k"
     * from "first bad = the next testable build", so those candidates form one
     * block and the answer may become a range, as with git bisect skip.
     */
    public void skip(int k) {
        if (k <= 0 || k >= n - 1) {
            throw new IllegalArgumentException("the endpoints cannot be skipped");
        }
        skipped[k] = true;
    }

    public boolean isSkipped(int k) {
        return skipped[k];
    }

    /** The candidates f that no test can tell apart from f: (previous testable build, next testable build >= f]. */
    public Range blockOf(int f) {
        int hi = f;
        while (hi < n - 1 && skipped[hi]) {
            hi++;
        }
        int lo = f;
        while (lo > 1 && skipped[lo - 1]) {
            lo--;
        }
        return new Range(lo, hi);
    }

    /** An inclusive range of build indices; lo == hi when the first bad build is known exactly. */
    public record Range(int lo, int hi) {
        public boolean exact() {
            return lo == hi;
        }
    }

    private double mass(Range r) {
        double s = 0;
        for (int f = r.lo(); f <= r.hi(); f++) {
            s += probabilityFirstBad(f);
        }
        return s;
    }

    /** The most probable block of first-bad candidates (a single build unless builds were skipped). */
    public Range bestRange() {
        Range best = blockOf(1);
        for (int f = best.hi() + 1; f < n; ) {
            Range r = blockOf(f);
            if (mass(r) > mass(best)) {
                best = r;
            }
            f = r.hi() + 1;
        }
        return best;
    }

    /** The most probable first bad build (the last of the best block: the first one a test has seen bad). */
    public int best() {
        return bestRange().hi();
    }

    public double confidence() {
        return mass(bestRange());
    }

    public boolean done() {
        return confidence() >= 1 - errorRate;
    }

    /**
     * The build to try next: the posterior median of f, tested at f-1 when the
     * median itself is nearly certain to be bad (then only its predecessor can
     * still tell); skipped builds are replaced by the nearest testable one.
     */
    public int next() {
        double cum = 0;
        int median = n - 1;
        for (int f = 1; f < n; f++) {
            cum += probabilityFirstBad(f);
            if (cum >= 0.5) {
                median = f;
                break;
            }
        }
        // test k = median: "is the first bad at or before the median?"; build n-1 is known bad, so test k <= n-2
        // unless everything points at n-1, in which case its predecessor decides
        int k = median;
        if (k >= n - 1) {
            k = n - 2;
        }
        double massAtOrBelow = 0;
        for (int f = 1; f <= k; f++) {
            massAtOrBelow += probabilityFirstBad(f);
        }
        if (massAtOrBelow > 1 - errorRate / 4 && k > 0) {
            k = k - 1; // k is almost surely bad already: ask about the one before
        }
        return nearestTestable(Math.max(0, k));
    }

    private int nearestTestable(int k) {
        for (int d = 0; d < n; d++) {
            if (k - d >= 0 && !skipped[k - d]) {
                return k - d;
            }
            if (k + d <= n - 2 && !skipped[k + d]) {
                return k + d;
            }
        }
        return 0;
    }

    /** True when no testable build is left that could still split the best block from the rest. */
    public boolean exhausted() {
        for (int k = 1; k <= n - 2; k++) {
            if (!skipped[k]) {
                return false;
            }
        }
        return true;
    }

    /** Posterior mean repro rate of bad builds. */
    public double reproRate() {
        double s = 0;
        for (int f = 1; f < n; f++) {
            for (int j = 0; j < pGrid.length; j++) {
                s += post[f][j] * pGrid[j];
            }
        }
        return s;
    }

    public int trials() {
        return trials;
    }

    public int builds() {
        return n;
    }
}
