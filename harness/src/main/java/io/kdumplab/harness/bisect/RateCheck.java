package io.kdumplab.harness.bisect;

import java.util.Locale;

/**
 * What the learnt repro rate says about the stated one, for the report: the answer's confidence is calibrated
 * for a rate stated up to about twice too high (`bisect simulate`), so a learnt rate clearly below half the
 * stated one is a warning, and one clearly above twice the stated one a hint that the next bisection can state
 * more and run shorter.
 */
public final class RateCheck {
    private RateCheck() {}

    /** A sentence, or null when the learnt rate's 90% interval {low, high} is consistent with the stated rate. */
    public static String of(double stated, double low90, double high90) {
        if (high90 < stated / 2) {
            return String.format(Locale.ROOT, "the learnt repro rate (90%%: %.0f-%.0f%%) is below half the stated %.0f%%,"
                    + " beyond what the confidence is calibrated for: confirm with --repro-rate %.2f", 100 * low90, 100 * high90,
                    100 * stated, high90);
        }
        if (low90 > 2 * stated) { // never for a stated rate of 50% or more: no rate is above 100%
            return String.format(Locale.ROOT, "the learnt repro rate (90%%: %.0f-%.0f%%) is above twice the stated %.0f%%:"
                    + " --repro-rate %.2f would have needed fewer trials", 100 * low90, 100 * high90, 100 * stated, low90);
        }
        return null;
    }
}
