package io.kdumplab.harness.bisect;

/**
 * The prior on the repro rate p of bad builds, on a grid of rates 5%..100%.
 * Users rarely know the rate, so the stated one only shapes the prior: a share
 * {@link #BROAD} is spread evenly over the grid, the rest is a bump around the
 * stated rate. A Bayesian answer is only as calibrated at the true rate as the
 * prior's mass near and below it allows (mass far above makes passes look like
 * stronger evidence than they are), so the bump's two sides are set by what
 * must stay calibrated, measured with `bisect simulate`:
 * <ul>
 * <li>below the stated rate it is at least as wide as a log-normal of width
 *     {@link #DOWN_WIDTH} in p (half the stated rate is 0.6 sd away: a rate
 *     stated twice too high stays calibrated at any rate) and as the bump in
 *     ln(1 - p) of width {@link #MISS_WIDTH} (which keeps more mass at the lowest
 *     rates when a low rate is stated);</li>
 * <li>above it, it falls at least as fast as both a log-normal of width
 *     {@link #UP_WIDTH} in p and the ln(1 - p) bump: at a stated 10% the bump
 *     in ln(1 - p) alone would be nearly flat up to 50%, and the answer was
 *     wrong about twice as often as the target;</li>
 * <li>a stated rate near 100% is trusted: the downward log-normal narrows from
 *     90% stated to nothing at 100% ({@link #TRUSTED_MISS}), leaving the ln(1 - p)
 *     bump, in which a rate of 90% is more than 3 sd away from a stated 100%.
 *     A deterministic bug then costs about one trial per build; a "100%" that is
 *     really 90% is bisected wrong about 10% of the time (README).</li>
 * </ul>
 */
record RatePrior(double[] rates, double[] weights) {
    /** Grid step and lowest rate: rates below 5% are outside what a bisection can afford anyway. */
    static final double STEP = 0.05;
    /** Share of the prior spread over the whole grid, whatever the stated rate. */
    static final double BROAD = 0.02;
    static final double Q_FLOOR = 0.01;
    /** Width (sd of ln(1 - p)) of the miss-chance bump. */
    static final double MISS_WIDTH = 0.7;
    /** Least width (sd of ln p) below the stated rate. */
    static final double DOWN_WIDTH = 1.1;
    /** Greatest width (sd of ln p) above the stated rate. */
    static final double UP_WIDTH = 0.45;
    /** Miss chance (1 - stated) below which the downward log-normal narrows to nothing at 100%. */
    static final double TRUSTED_MISS = 0.1;

    static RatePrior around(double stated) {
        if (!(stated > 0) || stated > 1) {
            throw new IllegalArgumentException("the stated repro rate must be in (0, 1], got " + stated);
        }
        int points = (int) Math.round(1 / STEP);
        double[] rates = new double[points];
        double[] bump = new double[points];
        double bumpSum = 0;
        for (int j = 0; j < points; j++) {
            rates[j] = Math.round((j + 1) * STEP * 1000) / 1000.0;
            double z = sdsFromStated(rates[j], stated);
            bump[j] = Math.exp(-0.5 * z * z);
            bumpSum += bump[j];
        }
        double[] weights = new double[points];
        for (int j = 0; j < points; j++) {
            weights[j] = BROAD / points + (1 - BROAD) * bump[j] / bumpSum;
        }
        return new RatePrior(rates, weights);
    }

    /** How many standard deviations of the bump a rate p lies from the stated rate (>= 0). */
    static double sdsFromStated(double p, double stated) {
        // on the scale of the chance that a bad build passes: stating 100% and seeing 60% is a large surprise
        double miss = Math.abs(Math.log(missChance(p) / missChance(stated))) / MISS_WIDTH;
        if (p > stated) {
            return Math.max(miss, Math.log(p / stated) / UP_WIDTH);
        }
        double downWidth = DOWN_WIDTH * Math.min(1, (1 - stated) / TRUSTED_MISS);
        return downWidth > 0 ? Math.min(miss, Math.log(stated / p) / downWidth) : miss;
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
