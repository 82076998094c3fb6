package io.kdumplab.harness.failure;

/**
 * The closed set of failures the harness knows how to class. Each says whose
 * fault it is, because bisection and nightly act on that: an infrastructure
 * failure must never become a verdict on the kernel under test. Anything that
 * is not one of these (a NullPointerException, an IllegalStateException from
 * a driver used in the wrong state) is a harness bug.
 */
public abstract sealed class HarnessException extends RuntimeException
        permits InfrastructureException, ConfigurationException, KdumpNotReadyException, RemoteCommandException,
        CancelledException {
    private final String hint;

    protected HarnessException(String message, String hint, Throwable cause) {
        super(message, cause);
        this.hint = hint;
    }

    /** What the user can do about it; may be empty. */
    public String hint() {
        return hint == null ? "" : hint;
    }

    /** One line for a person: the message, then what to do. */
    public String describe() {
        return hint().isEmpty() ? getMessage() : getMessage() + "\n  -> " + hint();
    }
}
