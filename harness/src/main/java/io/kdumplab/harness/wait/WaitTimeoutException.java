package io.kdumplab.harness.wait;

import java.time.Duration;

/** A named wait ran out of time. Says what it waited for and what it saw last. */
public class WaitTimeoutException extends RuntimeException {
    private final String waitName;
    private final Duration timeout;
    private final String lastSeen;

    public WaitTimeoutException(String waitName, Duration timeout, String lastSeen) {
        super(waitName + " timed out after " + timeout.toSeconds() + " s"
                + (lastSeen == null || lastSeen.isEmpty() ? "" : "; last seen: " + lastSeen));
        this.waitName = waitName;
        this.timeout = timeout;
        this.lastSeen = lastSeen;
    }

    public String waitName() {
        return waitName;
    }

    public Duration timeout() {
        return timeout;
    }

    public String lastSeen() {
        return lastSeen;
    }
}
