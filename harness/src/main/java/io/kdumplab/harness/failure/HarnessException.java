package io.kdumplab.harness.failure;

/**
 * Base of the harness's failure classes. Each class says whose fault it is,
 * because bisection and nightly runs act on that: an infrastructure failure
 * must never become a verdict on the kernel under test.
 */
public abstract class HarnessException extends RuntimeException {
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
