package io.kdumplab.harness.failure;

/** The user (Ctrl-C, SIGTERM) or an orchestrator (a lost host lease) stopped the run. Not a verdict, not infrastructure. */
public final class CancelledException extends HarnessException {
    public CancelledException(String message) {
        super(message, "", null);
    }
}
