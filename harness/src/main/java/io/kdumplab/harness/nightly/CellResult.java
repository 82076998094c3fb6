package io.kdumplab.harness.nightly;

import io.kdumplab.harness.verdict.Verdict;

/**
 * What one cell's run ended with: the verdict (as the run's result.json names it), why, and its report; and a
 * problem of the orchestrator's own (its reports disk filled) that the verdict survived, if any.
 */
public record CellResult(Verdict verdict, String reason, String report, String build, String orchestratorProblem,
                         String diagnosis) {
    public CellResult(Verdict verdict, String reason, String report, String build) {
        this(verdict, reason, report, build, null, null);
    }

    /** A FAIL's diagnosis (where the panic path stopped), stored beside the reason. */
    public CellResult withDiagnosis(String d) {
        return new CellResult(verdict, reason, report, build, orchestratorProblem, d);
    }

    /** Verdicts that say something about the kernel; anything else is infrastructure, configuration or the harness. */
    public boolean judged() {
        return verdict.judgesTheKernel();
    }

    /** The host, not the kernel: a health check decides whether it is used again. */
    public boolean infrastructure() {
        return verdict == Verdict.INFRA_ERROR || verdict == Verdict.KDUMP_NOT_READY;
    }
}
