package io.kdumplab.harness.wait;

import java.time.Duration;
import java.util.Optional;

/**
 * Polls a condition until it holds or the deadline passes. The condition
 * reports what it saw each time, so a timeout can say why it waited in vain.
 */
public final class Wait {
    private Wait() {}

    /** One look at the world: a value when ready, else a note on what was seen. */
    @FunctionalInterface
    public interface Probe<T> {
        Result<T> check() throws Exception;
    }

    public record Result<T>(Optional<T> value, String seen, RuntimeException fatal) {
        public static <T> Result<T> ready(T value) {
            return new Result<>(Optional.of(value), "ready", null);
        }

        public static <T> Result<T> notYet(String seen) {
            return new Result<>(Optional.empty(), seen, null);
        }

        /** The condition can no longer come true (the process it waits for exited): stop now with this error. */
        public static <T> Result<T> fatal(RuntimeException error) {
            return new Result<>(Optional.empty(), error.getMessage(), error);
        }
    }

    /**
     * Programming errors, by type: the world outside (a host that is still booting, a refused connection, a
     * library's own exceptions while a service starts) is waited out; these never come from it.
     */
    static boolean isBug(Exception e) {
        return e instanceof NullPointerException || e instanceof ClassCastException || e instanceof IndexOutOfBoundsException
                || e instanceof ArithmeticException || e instanceof java.util.NoSuchElementException
                || e instanceof UnsupportedOperationException || e instanceof ArrayStoreException;
    }

    public static <T> T until(Deadline deadline, Duration pollEvery, Probe<T> probe) {
        String lastSeen = "nothing yet";
        WaitProgress progress = new WaitProgress(deadline);
        while (true) {
            Result<T> r = null;
            try {
                r = probe.check();
                if (r.value().isPresent()) {
                    return r.value().get();
                }
                lastSeen = r.seen();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WaitTimeoutException(deadline.name() + " (interrupted)", deadline.timeout(), lastSeen);
            } catch (Exception e) {
                if (isBug(e)) {
                    throw (RuntimeException) e; // a harness bug inside a probe is a bug, not a reason to keep waiting
                }
                lastSeen = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            if (r != null && r.fatal() != null) {
                throw r.fatal();
            }
            if (deadline.expired()) {
                throw new WaitTimeoutException(deadline.name(), deadline.timeout(), lastSeen);
            }
            progress.tick(lastSeen);
            long sleep = Math.min(pollEvery.toMillis(), Math.max(1, deadline.remaining().toMillis()));
            try {
                deadline.clock().sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WaitTimeoutException(deadline.name() + " (interrupted)", deadline.timeout(), lastSeen);
            }
        }
    }
}
