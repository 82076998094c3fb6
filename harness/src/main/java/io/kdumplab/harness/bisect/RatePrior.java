package io.kdumplab.harness.bisect;

/**
 * The prior on the repro rate p of bad builds, on a grid of rates 5%..100%.
 * Users rarely know the rate, so the stated one only shapes the prior: a share
 * {@link #BROAD} is spread evenly over the grid, the rest is a bump around the
 * stated rate on the scale of ln(1 - p), wide enough that half the stated rate
 * is within about one standard deviation at 30-60%. A stated rate above the
 * true one then costs trials, not a wrong answer (see `bisect simulate`).
 */
record RatePrior(double[] rates, double[] weights) {
    /** Grid step and lowest rate: rates below 5% are outside what a bisection can afford anyway. */
    static final double STEP = 0.05;
    /** Share of the prior spread over the whole grid, whatever the stated rate. */
    static final double BROAD = 0.02;
    static final double Q_FLOOR = 0.01;
    /** Width (standard deviation of ln q) of the bump around the stated rate; chosen with `bisect simulate`. */
    static final double BUMP_WIDTH = 0.7;

    static RatePrior around(double stated) {
        return of(stated, BROAD, BUMP_WIDTH);
    }

    /** `broad` of the mass even over the grid, the rest a bump of width `width` (in ln(1 - p)) around `stated`. */
    static RatePrior of(double stated, double broad, double width) {
        if (!(stated > 0) || stated > 1) {
            throw new IllegalArgumentException("the stated repro rate must be in (0, 1], got " + stated);
        }
        int points = (int) Math.round(1 / STEP);
        double[] rates = new double[points];
        double[] bump = new double[points];
        double bumpSum = 0;
        for (int j = 0; j < points; j++) {
            rates[j] = Math.round((j + 1) * STEP * 1000) / 1000.0;
            // on the scale of the chance that a bad build passes (q = 1 - p), logarithmic: stating 60% (q 40%) and
            // seeing 30% (q 70%) is a small surprise; stating 100% ("never passes") and seeing 60% a large one
            double z = Math.log(missChance(rates[j]) / missChance(stated)) / width;
            bump[j] = Math.exp(-0.5 * z * z);
            bumpSum += bump[j];
        }
        double[] weights = new double[points];
        for (int j = 0; j < points; j++) {
            weights[j] = broad / points + (1 - broad) * bump[j] / bumpSum;
        }
        return new RatePrior(rates, weights);
    }

    /** 1 - p, floored: a stated 100% is centred at a 1% chance of passing, not at an infinitely narrow point. */
    private static double missChance(double p) {
        return Math.max(1 - p, Q_FLOOR);
    }

    /** All mass on one rate: the known-rate reference scheme. */
    static RatePrior known(double rate) {
        return new RatePrior(new double[] {rate}, new double[] {1});
    }
}
