package io.kdumplab.harness.nightly;

import io.kdumplab.harness.lease.Lease;

import java.util.List;

/** Runs one cell on its host while the caller holds the host's lease (the lease is the run's fence). */
public interface CellRunner {
    /**
     * @param next the host's next pending cell, or null: a runner may prepare the host for it (LabCells points the
     *             reboot after this cell's crash at the next cell's kernel); a hint only, the next cell checks again
     */
    CellResult run(CellRow cell, CellRow next, Lease lease);

    /**
     * The host's pending cells in the order to run them; the plan's order unless the runner knows a cheaper one (LabCells
     * takes first the cells whose installed kernel the host runs already: they cost no boot).
     */
    default List<CellRow> order(String host, List<CellRow> pending) {
        return pending;
    }
}
