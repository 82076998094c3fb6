package io.kdumplab.harness.wait;

import java.time.Duration;

/**
 * No silent wait: a wait that lasts says, at least every {@link #EVERY}, what it waits for, how long it has waited
 * and how long it will still wait, to its deadline's reporter. {@link Wait#until} uses it; a loop of its own (the
 * console watch) calls {@link #tick} each round.
 */
public final class WaitProgress {
    /** Under the 30 s promise, with room for one poll interval. */
    public static final Duration EVERY = Duration.ofSeconds(25);

    private final Deadline deadline;
    private final long startNanos;
    private long nextNanos;

    public WaitProgress(Deadline deadline) {
        this.deadline = deadline;
        this.startNanos = deadline.clock().nanoTime();
        this.nextNanos = startNanos + EVERY.toNanos();
    }

    /** Reports when one is due; seen is what the last look found (may be null). */
    public void tick(String seen) {
        long now = deadline.clock().nanoTime();
        if (now < nextNanos) {
            return;
        }
        nextNanos = now + EVERY.toNanos();
        deadline.reporter().accept("waiting for " + deadline.name() + ": " + Duration.ofNanos(now - startNanos).toSeconds()
                + " s so far, " + deadline.remaining().toSeconds() + " s left"
                + (seen == null || seen.isBlank() ? "" : " (last seen: " + shorten(seen) + ")"));
    }

    private static String shorten(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() > 160 ? one.substring(0, 157) + "..." : one;
    }
}
