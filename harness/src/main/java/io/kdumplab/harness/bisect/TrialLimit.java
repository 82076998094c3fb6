package io.kdumplab.harness.bisect;

/**
 * The default trial limit of a bisection, derived from what it must learn: the
 * bits to name one of the candidates at the error target, over the
 * information one trial carries when good builds never fail and bad builds
 * fail at rate p (the capacity of that Z-channel), at half the stated rate
 * (the prior reaches well below it), times a safety factor. 63 builds at a
 * stated 30% and 2% error: about 420 trials; at 100%: about 110.
 */
public final class TrialLimit {
    private static final double SAFETY = 3;

    private TrialLimit() {}

    public static int defaultMaxTrials(int builds, double statedRate, double errorRate) {
        double bits = log2(Math.max(2, builds - 1)) + log2(1 / errorRate);
        return Math.max(10, (int) Math.ceil(SAFETY * bits / zChannelCapacity(statedRate / 2)));
    }

    /** Bits per trial when a bad build fails with probability p and a good one never does. */
    static double zChannelCapacity(double p) {
        if (p >= 1) {
            return 1;
        }
        return log2(1 + p * Math.pow(1 - p, (1 - p) / p));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
