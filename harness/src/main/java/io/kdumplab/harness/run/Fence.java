package io.kdumplab.harness.run;

/**
 * Checked right before every destructive action on the host (an NMI, a
 * sysrq-c, a power cycle). An orchestrator that lost its host lease (frozen,
 * partitioned) must not act on a host someone else now holds: the check throws
 * a CancelledException, and the run ends INCOMPLETE without acting.
 */
@FunctionalInterface
public interface Fence {
    Fence NONE = action -> { };

    /** Throws CancelledException when the caller no longer holds the host. */
    void check(String action);
}
