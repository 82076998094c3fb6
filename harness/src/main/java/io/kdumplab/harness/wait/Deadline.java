package io.kdumplab.harness.wait;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * A named point in time by which something must have happened. A child's
 * deadline never outlives its parent's: {@link #child} takes the smaller.
 */
public final class Deadline {
    private final String name;
    private final Duration timeout;
    private final long endNanos;
    private final Clock clock;
    private final Consumer<String> reporter;

    private Deadline(String name, Duration timeout, long endNanos, Clock clock, Consumer<String> reporter) {
        this.name = name;
        this.timeout = timeout;
        this.endNanos = endNanos;
        this.clock = clock;
        this.reporter = reporter;
    }

    /** Where a long wait on a deadline says what it waits for, unless told otherwise: stderr. */
    public static final Consumer<String> STDERR = System.err::println;

    public static Deadline in(String name, Duration timeout) {
        return in(name, timeout, Clock.SYSTEM);
    }

    public static Deadline in(String name, Duration timeout, Clock clock) {
        return new Deadline(name, timeout, clock.nanoTime() + timeout.toNanos(), clock, STDERR);
    }

    /** The same deadline, whose waits (and its children's) report their progress to sink, e.g. a run's log. */
    public Deadline reportingTo(Consumer<String> sink) {
        return new Deadline(name, timeout, endNanos, clock, sink);
    }

    public Consumer<String> reporter() {
        return reporter;
    }

    /** A deadline for a step inside this one: its own timeout, cut to what is left here. */
    public Deadline child(String childName, Duration childTimeout) {
        long childEnd = clock.nanoTime() + childTimeout.toNanos();
        if (childEnd <= endNanos) {
            return new Deadline(childName, childTimeout, childEnd, clock, reporter);
        }
        return new Deadline(childName + " (cut to " + name + ")", remaining(), endNanos, clock, reporter);
    }

    public String name() {
        return name;
    }

    public Duration timeout() {
        return timeout;
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - clock.nanoTime()));
    }

    public boolean expired() {
        return clock.nanoTime() >= endNanos;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public String toString() {
        return name + " (timeout " + timeout.toSeconds() + " s, " + remaining().toSeconds() + " s left)";
    }
}
