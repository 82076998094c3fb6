package io.kdumplab.harness.verdict;

import io.kdumplab.harness.util.HarnessException;

/** kdump is not ready on the target and the harness may not (or could not) fix it. */
public class KdumpNotReadyException extends HarnessException {
    public KdumpNotReadyException(String message, String hint) {
        super(message, hint, null);
    }
}
