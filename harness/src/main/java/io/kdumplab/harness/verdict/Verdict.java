package io.kdumplab.harness.verdict;

/**
 * The outcome of one repro run. Only PASS and FAIL are verdicts on the
 * kernel; the others say the experiment could not be judged.
 */
public enum Verdict {
    /** A vmcore from this run was saved and is readable. */
    PASS(0),
    /** The target panicked (or should have) and no vmcore was saved. */
    FAIL(1),
    /** Precondition: kdump was not ready and --no-configure forbade fixing it. Not a verdict on the kernel. */
    KDUMP_NOT_READY(125),
    /** SSH, BMC or console failed: neither the tool nor the kernel under test. */
    INFRA_ERROR(125),
    /** Interrupted (Ctrl-C) before a verdict. */
    INCOMPLETE(130);

    private final int exitCode;

    Verdict(int exitCode) {
        this.exitCode = exitCode;
    }

    /** git-bisect-run compatible: 0 good, 1 bad, 125 skip. */
    public int exitCode() {
        return exitCode;
    }
}
