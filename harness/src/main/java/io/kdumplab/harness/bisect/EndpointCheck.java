package io.kdumplab.harness.bisect;

import io.kdumplab.harness.builds.BuildList;
import java.util.List;

/**
 * The endpoint check of a bisection, decided from the journal alone (so a
 * resumed bisection continues it): the good endpoint must pass `goodTrials`
 * times, the bad one must fail before it has passed `badEndpointTrials` times
 * in a row; an untestable endpoint stops the bisection.
 */
final class EndpointCheck {
    private EndpointCheck() {}

    /** The endpoint check's next move, from the journal alone: a trial on a build, a stop with a reason, or done. */
    record Step(Integer trialOn, String problem) {}

    static Step next(List<Journal.Entry> entries, BuildList builds, BisectSettings settings) {
        int bad = builds.size() - 1;
        int goodFails = count(entries, 0, true);
        if (goodFails > 0) {
            Journal.Entry f = entries.stream().filter(e -> e.judged() && e.buildIndex() == 0 && e.failed()).reduce((x, y) -> y).orElseThrow();
            return new Step(null, "the good endpoint " + builds.get(0).label() + " FAILED (run " + f.runId() + ": " + f.reason()
                    + "); it is not a good build. Choose an earlier good build with --good, or check the scenario");
        }
        if (count(entries, 0, false) < settings.goodTrials()) {
            return skipped(entries, 0) != null
                    ? new Step(null, "the good endpoint " + builds.get(0).label() + " could not be tested: " + skipped(entries, 0))
                    : new Step(0, null);
        }
        if (count(entries, bad, true) > 0) {
            return new Step(null, null);
        }
        int passes = count(entries, bad, false);
        if (passes >= settings.badEndpointTrials()) {
            return new Step(null, "the bad endpoint " + builds.get(bad).label() + " PASSED " + passes + " trial(s) in a row;"
                    + " at half the stated repro rate (" + settings.minReproRate() / 2 + ") that happens with probability <= "
                    + settings.errorRate() + ". It does not reproduce: choose a later bad build with --bad, or lower --repro-rate");
        }
        return skipped(entries, bad) != null
                ? new Step(null, "the bad endpoint " + builds.get(bad).label() + " could not be tested: " + skipped(entries, bad))
                : new Step(bad, null);
    }

    private static int count(List<Journal.Entry> entries, int k, boolean failed) {
        return (int) entries.stream().filter(e -> e.judged() && e.buildIndex() == k && e.failed() == failed).count();
    }

    private static String skipped(List<Journal.Entry> entries, int k) {
        return entries.stream().filter(e -> e.kind() == Journal.Kind.SKIP && Integer.valueOf(k).equals(e.buildIndex()))
                .reduce((x, y) -> y).map(Journal.Entry::reason).orElse(null);
    }
}
