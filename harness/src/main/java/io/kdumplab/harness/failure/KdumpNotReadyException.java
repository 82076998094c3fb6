package io.kdumplab.harness.failure;

import io.kdumplab.harness.failure.HarnessException;

/** kdump is not ready on the target and the harness may not (or could not) fix it. */
public class KdumpNotReadyException extends HarnessException {
    public KdumpNotReadyException(String message, String hint) {
        super(message, hint, null);
    }
}
