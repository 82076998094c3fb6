package io.kdumplab.harness.lease;

/** Who wants a host, in the order they get it: on-demand work first, then bisection, then nightly cells. */
public enum LeaseKind {
    ON_DEMAND(0), BISECT(1), NIGHTLY(2);

    /** Lower goes first; waiting lowers it further ({@link HostLeases#AGING}), so nightly work is never starved. */
    final int rank;

    LeaseKind(int rank) {
        this.rank = rank;
    }
}
