package io.kdumplab.harness.failure;

/** kdump is not ready on the target and the harness may not (or could not) fix it: a precondition, not a verdict. */
public final class KdumpNotReadyException extends HarnessException {
    public KdumpNotReadyException(String message, String hint) {
        super(message, hint, null);
    }
}
