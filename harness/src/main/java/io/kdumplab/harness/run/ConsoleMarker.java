package io.kdumplab.harness.run;

import io.kdumplab.harness.device.ConsoleSource;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Proof that a console carries the host's kernel log: a marker written to /dev/kmsg must come back on it. Written
 * again every few seconds, since a console that connects late (a BMC's SOL, a console server) misses the first.
 * The one check preflight, `host check` and the nightly health check make.
 */
public final class ConsoleMarker {
    private static final Duration WRITE = Duration.ofSeconds(10);
    private static final Duration EVERY = Duration.ofSeconds(3);

    private ConsoleMarker() {}

    /** Returns when the marker is seen; a WaitTimeoutException when not within the deadline. */
    public static void await(Device device, ConsoleSource console, String marker, Deadline deadline) {
        Pattern seen = Pattern.compile(Pattern.quote(marker));
        Wait.until(deadline, EVERY, () -> {
            device.root("echo '<3>" + marker + "' > /dev/kmsg", WRITE);
            return console.find(seen, 0).isPresent() ? Wait.Result.ready(true)
                    : Wait.Result.notYet(console.connected() ? "connected, marker not seen" : "not connected");
        });
    }
}
