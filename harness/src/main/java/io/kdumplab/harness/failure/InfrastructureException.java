package io.kdumplab.harness.failure;

/**
 * Something between the harness and the device under test failed: SSH, the
 * BMC, the console line, the lab's processes, a step's own deadline. Never a
 * verdict on the kernel.
 */
public final class InfrastructureException extends HarnessException {
    private final String component;

    public InfrastructureException(String component, String message, String hint, Throwable cause) {
        super(component + ": " + message, hint, cause);
        this.component = component;
    }

    public InfrastructureException(String component, String message, String hint) {
        this(component, message, hint, null);
    }

    /** "ssh", "bmc", "console", "lab", "host", ... */
    public String component() {
        return component;
    }
}
