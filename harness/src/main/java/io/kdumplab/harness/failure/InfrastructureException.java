package io.kdumplab.harness.failure;

/**
 * Something between the harness and the device under test failed: SSH, the
 * BMC, the console line, the lab's processes, a step's own deadline. Never a
 * verdict on the kernel. Whether it was a timeout, and whether it already says
 * in which step and on which host it happened, are facts of the failure, never
 * read back from its message.
 */
public final class InfrastructureException extends HarnessException {
    private final String component;
    private final String detail;
    private final boolean timedOut;
    private final boolean placed;

    private InfrastructureException(String component, String detail, String hint, Throwable cause, boolean timedOut,
                                    boolean placed) {
        super(component + ": " + detail, hint, cause);
        this.component = component;
        this.detail = detail;
        this.timedOut = timedOut;
        this.placed = placed;
    }

    public InfrastructureException(String component, String message, String hint, Throwable cause) {
        this(component, message, hint, cause, false, false);
    }

    public InfrastructureException(String component, String message, String hint) {
        this(component, message, hint, null);
    }

    /** A wait or a step that ran out of its time. */
    public static InfrastructureException timeout(String component, String message, String hint, Throwable cause) {
        return new InfrastructureException(component, message, hint, cause, true, false);
    }

    /** A failure whose message already names its step and host (the step runner's own). */
    public static InfrastructureException placed(String component, String message, String hint, Throwable cause,
                                                 boolean timedOut) {
        return new InfrastructureException(component, message, hint, cause, timedOut, true);
    }

    /** The same failure, said in its step on its host (nightly runs many hosts at once); once only. */
    public InfrastructureException inStep(String step, String host) {
        return placed ? this : new InfrastructureException(component, "step " + step + " on " + host + ": " + detail, hint(),
                this, timedOut, true);
    }

    /** "ssh", "bmc", "console", "lab", "host", ... */
    public String component() {
        return component;
    }

    public boolean timedOut() {
        return timedOut;
    }
}
