package io.kdumplab.harness.nightly;

/**
 * What one cell's run ended with: the verdict (as the run's result.json names it), why, and its report; and a
 * problem of the orchestrator's own (its reports disk filled) that the verdict survived, if any.
 */
public record CellResult(String verdict, String reason, String report, String build, String orchestratorProblem) {
    public CellResult(String verdict, String reason, String report, String build) {
        this(verdict, reason, report, build, null);
    }

    /** Verdicts that say something about the kernel; anything else is infrastructure, configuration or the harness. */
    public boolean judged() {
        return verdict.equals("PASS") || verdict.equals("FAIL");
    }

    /** The host, not the kernel: a health check decides whether it is used again. */
    public boolean infrastructure() {
        return verdict.equals("INFRA_ERROR") || verdict.equals("KDUMP_NOT_READY");
    }
}
