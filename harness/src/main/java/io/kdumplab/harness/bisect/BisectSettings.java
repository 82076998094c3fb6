package io.kdumplab.harness.bisect;

import io.kdumplab.harness.failure.ConfigurationException;

import java.time.Duration;

/**
 * What the user chose. errorRate bounds the chance of naming the wrong build; minReproRate is the repro rate the
 * user states, which only shapes the model's prior (the rate is learnt); maxTrials 0 derives the limit from the
 * rate and the error target ({@link TrialLimit}); budgetSeconds 0 means no machine-time budget.
 */
public record BisectSettings(double minReproRate, double errorRate, int retries, int maxTrials, int goodTrials,
                             String safeKernel, Duration installTimeout, Duration bootTimeout, Duration hangAfter,
                             BisectModel.Costs costs, double budgetSeconds) {
    public BisectSettings {
        if (!(minReproRate > 0) || minReproRate > 1) {
            throw new ConfigurationException("--repro-rate must be in (0, 1], got " + minReproRate,
                    "the share of runs in which a bad build fails, as far as you know, e.g. 0.3; 1 for a deterministic failure");
        }
        if (!(errorRate > 0) || errorRate >= 0.5) {
            throw new ConfigurationException("--error-rate must be in (0, 0.5), got " + errorRate,
                    "the accepted chance of naming the wrong build, e.g. 0.05");
        }
        if (maxTrials < 0 || budgetSeconds < 0) {
            throw new ConfigurationException("--max-trials and --budget must not be negative",
                    "leave them out for the defaults derived from the rate and the error target");
        }
        costs = costs == null ? BisectModel.Costs.LAB : costs;
    }

    public BisectSettings(double minReproRate, double errorRate, int retries, int maxTrials, int goodTrials, String safeKernel,
                          Duration installTimeout, Duration bootTimeout, Duration hangAfter) {
        this(minReproRate, errorRate, retries, maxTrials, goodTrials, safeKernel, installTimeout, bootTimeout, hangAfter,
                BisectModel.Costs.LAB, 0);
    }

    /** The trial limit: the user's, or derived from the stated rate and the error target. */
    public int trialLimit(int builds) {
        return maxTrials > 0 ? maxTrials : TrialLimit.defaultMaxTrials(builds, minReproRate, errorRate);
    }

    /**
     * Passes in a row after which a bad endpoint counts as not reproducing: (1 - rate/2)^n <= error. At half the
     * stated rate, because the stated rate is only a guess: a bug half as frequent as stated is still bisected.
     */
    public int badEndpointTrials() {
        return passesToRuleOut(minReproRate / 2, errorRate);
    }

    /** Passes in a row after which "fails with rate >= pMin" is ruled out at this error rate. */
    public static int passesToRuleOut(double pMin, double errorRate) {
        return pMin >= 1 ? 1 : (int) Math.ceil(Math.log(errorRate) / Math.log(1 - pMin));
    }
}
