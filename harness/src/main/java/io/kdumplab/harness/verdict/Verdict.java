package io.kdumplab.harness.verdict;

/**
 * The outcome of one repro run. Only PASS and FAIL are verdicts on the
 * kernel; the others say why the experiment could not be judged, and whose
 * fault that was.
 */
public enum Verdict {
    /** A vmcore from this run was saved and is readable. */
    PASS(0),
    /** The target panicked (or should have) and no vmcore was saved. */
    FAIL(1),
    /** Precondition: kdump was not ready and --no-configure forbade fixing it. Not a verdict on the kernel. */
    KDUMP_NOT_READY(125),
    /** SSH, BMC, console or a step's deadline failed: neither the tool nor the kernel under test. */
    INFRA_ERROR(125),
    /** The user's input was wrong (found before anything was touched, or mid-run). */
    CONFIG_ERROR(2),
    /** A defect of the harness itself: never counted against the kernel or the lab. */
    HARNESS_ERROR(128),
    /** Interrupted (Ctrl-C, SIGTERM, a lost lease) before a verdict. */
    INCOMPLETE(130);

    private final int exitCode;

    Verdict(int exitCode) {
        this.exitCode = exitCode;
    }

    /** git-bisect-run compatible: 0 good, 1 bad, 125 skip, >127 abort; 2 for bad input. */
    public int exitCode() {
        return exitCode;
    }

    /** PASS and FAIL are verdicts on the kernel; everything else is not. */
    public boolean judgesTheKernel() {
        return this == PASS || this == FAIL;
    }
}
