package io.kdumplab.harness.nightly;

import io.kdumplab.harness.lease.Lease;

/** Runs one cell on its host while the caller holds the host's lease (the lease is the run's fence). */
public interface CellRunner {
    CellResult run(CellRow cell, Lease lease);
}
