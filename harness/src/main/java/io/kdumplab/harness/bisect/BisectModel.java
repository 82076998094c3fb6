package io.kdumplab.harness.bisect;

/**
 * Probabilistic bisection of an intermittent failure over an ordered list of
 * builds 0..n-1, where build 0 is a verified good endpoint and build n-1 a
 * verified bad one. The unknowns are the first bad build f (1..n-1) and the
 * repro rate p of bad builds; both are inferred together.
 *
 * <p>A joint posterior over (f, p) is kept on a grid of p from 5% to 100%. The
 * rate the user states only shapes the prior on p ({@link RatePrior}), which
 * reaches half the stated rate within one sd, so a rate well below the stated
 * one is learnt from the trials instead of producing a confident wrong answer. A
 * trial on build k fails with probability p if k >= f, and with a small eps
 * otherwise (a false failure, so that one odd result cannot end a bisection).
 *
 * <p>Selection minimises machine time, not trials ({@link Costs}): the next
 * build is the testable one with the largest expected information about the
 * answer (in bits, over blocks of builds that skipped builds make
 * indistinguishable) per expected second, where a trial on the build the host
 * is already on costs only the trial, and another build costs a switch (and an
 * install on its first visit). A skipped block is thus bracketed from both
 * sides and never stalls the search. The bisection stops when one block holds
 * 1 - errorRate of the posterior mass.
 */
public final class BisectModel {
    /** A false failure of a good build (a FAIL for another reason than the bug). */
    static final double EPS = 0.002;

    private final int n;
    private final double[] pGrid;
    private final double errorRate;
    private final Costs costs;
    /** post[f][j]: posterior mass of first bad = f, rate = pGrid[j]; f in 1..n-1. */
    private final double[][] post;
    /** Builds that cannot be tested (install, boot or infrastructure failed too often): like `git bisect skip`. */
    private final boolean[] skipped;
    private final boolean[] visited;
    private int current = -1;
    private int trials;
    private int switches;
    private int installs;
    private int inconsistent;

    /** The machine time of one trial, one change of build (reboot into it) and one first install, in seconds. */
    public record Costs(double trialSeconds, double switchSeconds, double installSeconds) {
        /**
         * Measured on the virtual lab (README, "Bisection on the virtual lab"): a repro trial 110-122 s, a
         * reboot into another build 35-155 s, installing a prebuilt build 6-48 s.
         */
        public static final Costs LAB = new Costs(115, 95, 45);
        /** Trials only: what a scheme that counts trials optimises. */
        public static final Costs TRIALS_ONLY = new Costs(1, 0, 0);

        public Costs {
            if (!(trialSeconds > 0) || switchSeconds < 0 || installSeconds < 0) {
                throw new IllegalArgumentException("trial time must be > 0, switch and install times >= 0");
            }
        }

        double of(boolean switching, boolean firstVisit) {
            return trialSeconds + (switching ? switchSeconds : 0) + (firstVisit ? installSeconds : 0);
        }
    }

    public BisectModel(int builds, double statedRate, double errorRate) {
        this(builds, RatePrior.around(statedRate), errorRate, Costs.LAB);
    }

    public BisectModel(int builds, double statedRate, double errorRate, Costs costs) {
        this(builds, RatePrior.around(statedRate), errorRate, costs);
    }

    BisectModel(int builds, RatePrior prior, double errorRate, Costs costs) {
        if (builds < 2) {
            throw new IllegalArgumentException("need at least a good and a bad endpoint");
        }
        if (errorRate <= 0 || errorRate >= 0.5) {
            throw new IllegalArgumentException("errorRate must be in (0, 0.5)");
        }
        this.n = builds;
        this.errorRate = errorRate;
        this.costs = costs;
        this.pGrid = prior.rates();
        double[] w = prior.weights();
        this.post = new double[n][pGrid.length];
        this.skipped = new boolean[n];
        this.visited = new boolean[n];
        for (int f = 1; f < n; f++) {
            for (int j = 0; j < pGrid.length; j++) {
                post[f][j] = w[j] / (n - 1);
            }
        }
    }

    /** The reference the benchmark compares with: a Bayesian bisection that knows the true rate and counts trials. */
    static BisectModel knownRate(int builds, double rate, double errorRate) {
        return new BisectModel(builds, RatePrior.known(rate), errorRate, Costs.TRIALS_ONLY);
    }

    /**
     * Records one judged trial (PASS or FAIL) on build k. An observation that no
     * hypothesis on the grid can explain (impossible with eps > 0 and rates below 1,
     * kept as a guard) leaves the posterior as it was and is counted, never NaN.
     */
    public void observe(int k, boolean failed) {
        if (k < 0 || k >= n) {
            throw new IllegalArgumentException("build index " + k + " out of 0.." + (n - 1));
        }
        at(k);
        trials++;
        double total = 0;
        double[][] next = new double[n][];
        for (int f = 1; f < n; f++) {
            next[f] = new double[pGrid.length];
            for (int j = 0; j < pGrid.length; j++) {
                double pf = k >= f ? pGrid[j] : EPS;
                next[f][j] = post[f][j] * (failed ? pf : 1 - pf);
                total += next[f][j];
            }
        }
        if (!(total > 0) || !Double.isFinite(total)) {
            inconsistent++;
            return;
        }
        for (int f = 1; f < n; f++) {
            for (int j = 0; j < pGrid.length; j++) {
                post[f][j] = next[f][j] / total;
            }
        }
    }

    /** The host is on build k now (a trial ran there, or a resumed bisection found it there). */
    public void at(int k) {
        if (k != current) {
            switches++;
            current = k;
        }
        if (!visited[k]) {
            visited[k] = true;
            installs++;
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

        public boolean contains(int f) {
            return f >= lo && f <= hi;
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

    /** Posterior probability that the answer (the best block) holds the first bad build; accounts for the rate's uncertainty. */
    public double confidence() {
        return mass(bestRange());
    }

    public boolean done() {
        return confidence() >= 1 - errorRate;
    }

    /**
     * The build to try next: the testable build with the most expected
     * information (bits) about which block holds the first bad build, per
     * expected second of machine time. Computed for every candidate at once from
     * prefix sums over blocks, O(builds x grid) per call.
     */
    public int next() {
        // blocks in order; a test at testable k splits them into "hi <= k" (bad at k) and the rest
        int[] blockHi = new int[n];
        double[] m = new double[n];
        double[] a = new double[n];
        int nb = 0;
        for (int f = 1; f < n; ) {
            Range r = blockOf(f);
            for (int g = r.lo(); g <= r.hi(); g++) {
                for (int j = 0; j < pGrid.length; j++) {
                    m[nb] += post[g][j];
                    a[nb] += post[g][j] * pGrid[j];
                }
            }
            blockHi[nb++] = r.hi();
            f = r.hi() + 1;
        }
        // prefix sums (blocks < c) and suffix sums (blocks >= c)
        double[] preA = new double[nb + 1];
        double[] preAlogA = new double[nb + 1];
        double[] preBlogB = new double[nb + 1];
        double[] preM = new double[nb + 1];
        double[] preMlogM = new double[nb + 1];
        double h0 = 0;
        for (int b = 0; b < nb; b++) {
            preA[b + 1] = preA[b] + a[b];
            preAlogA[b + 1] = preAlogA[b] + xlogx(a[b]);
            preBlogB[b + 1] = preBlogB[b] + xlogx(m[b] - a[b]);
            preM[b + 1] = preM[b] + m[b];
            preMlogM[b + 1] = preMlogM[b] + xlogx(m[b]);
            h0 -= xlogx(m[b]);
        }
        double totalM = preM[nb];
        int best = -1;
        double bestScore = -1;
        int c = 0;
        for (int k = 1; k <= n - 2; k++) {
            while (c < nb && blockHi[c] <= k) {
                c++;
            }
            if (skipped[k]) {
                continue;
            }
            double sufM = totalM - preM[c];
            double sufMlogM = preMlogM[nb] - preMlogM[c];
            double zFail = preA[c] + EPS * sufM;
            double zPass = totalM - zFail;
            double sumFail = preAlogA[c] + EPS * (sufMlogM + Math.log(EPS) * sufM);
            double sumPass = preBlogB[c] + (1 - EPS) * (sufMlogM + Math.log(1 - EPS) * sufM);
            double expectedH = xlogx(zFail) + xlogx(zPass) - sumFail - sumPass;
            double gain = Math.max(0, h0 - expectedH) / Math.log(2);
            double score = gain / costs.of(k != current, !visited[k]);
            if (score > bestScore + 1e-15 || (Math.abs(score - bestScore) <= 1e-15 && k == current)) {
                best = k;
                bestScore = score;
            }
        }
        return best < 0 ? nearestTestable(n / 2) : best;
    }

    private static double xlogx(double x) {
        return x > 0 ? x * Math.log(x) : 0;
    }

    private int nearestTestable(int k) {
        for (int d = 0; d < n; d++) {
            if (k - d >= 1 && !skipped[k - d]) {
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

    /** The repro rate's 90% credible interval {low, high} from its posterior on the grid. */
    public double[] reproRateInterval() {
        double[] marginal = new double[pGrid.length];
        for (int f = 1; f < n; f++) {
            for (int j = 0; j < pGrid.length; j++) {
                marginal[j] += post[f][j];
            }
        }
        double cum = 0;
        double lo = pGrid[0];
        double hi = pGrid[pGrid.length - 1];
        boolean loSet = false;
        for (int j = 0; j < pGrid.length; j++) {
            cum += marginal[j];
            if (!loSet && cum >= 0.05) {
                lo = pGrid[j];
                loSet = true;
            }
            if (cum >= 0.95) {
                hi = pGrid[j];
                break;
            }
        }
        return new double[] {lo, hi};
    }

    /** Machine time spent so far under the cost model (trials, switches, first installs). */
    public double machineSeconds() {
        return trials * costs.trialSeconds() + switches * costs.switchSeconds() + installs * costs.installSeconds();
    }

    public int trials() {
        return trials;
    }

    public int switches() {
        return switches;
    }

    public int installs() {
        return installs;
    }

    public int inconsistentObservations() {
        return inconsistent;
    }

    public int builds() {
        return n;
    }
}
