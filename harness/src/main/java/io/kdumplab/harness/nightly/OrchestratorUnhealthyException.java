package io.kdumplab.harness.nightly;

/**
 * This orchestrator cannot record results (its reports disk is full): it gives its host back and takes no other
 * until the problem is gone. Never a verdict, never held against the host; db-scheduler hands the host's
 * execution to a healthy orchestrator.
 */
public final class OrchestratorUnhealthyException extends RuntimeException {
    public OrchestratorUnhealthyException(String problem) {
        super(problem);
    }
}
