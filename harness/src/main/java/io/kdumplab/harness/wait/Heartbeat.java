package io.kdumplab.harness.wait;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * A long action that is one call (a package install over SSH, a remote build) says it is still at work every
 * {@link WaitProgress#EVERY}: "still installing X on H: 75 s". Closing it stops the lines.
 */
public final class Heartbeat implements AutoCloseable {
    private final Thread thread;

    private Heartbeat(String what, Consumer<String> sink) {
        long t0 = System.nanoTime();
        thread = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(WaitProgress.EVERY.toMillis());
                    sink.accept("still " + what + ": " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s so far");
                }
            } catch (InterruptedException e) {
                // closed
            }
        }, "heartbeat");
        thread.setDaemon(true);
        thread.start();
    }

    /** what: the action in the -ing form, with its host ("installing 6.1.0-55-amd64 on r740-03"). */
    public static Heartbeat of(String what, Consumer<String> sink) {
        return new Heartbeat(what, sink);
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
