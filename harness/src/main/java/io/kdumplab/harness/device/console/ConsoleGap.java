package io.kdumplab.harness.device.console;

/** A stretch of time without a console link (SOL dropped, console server restarted). */
public record ConsoleGap(long startEpochMillis, long endEpochMillis, String cause) {
    public long millis() {
        return endEpochMillis - startEpochMillis;
    }
}
