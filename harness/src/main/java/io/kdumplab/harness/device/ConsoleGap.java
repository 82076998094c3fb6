package io.kdumplab.harness.device;

/** A stretch of time without a console link (SOL dropped, console server restarted). */
public record ConsoleGap(long startEpochMillis, long endEpochMillis, String cause) {
    /** How console.log marks a gap, so that readers of the log (diagnosis, reports) can tell it from the host's lines. */
    public static final String MARK = "[harness] console gap:";

    public long millis() {
        return endEpochMillis - startEpochMillis;
    }
}
