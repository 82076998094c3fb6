package io.kdumplab.harness.nightly;

import io.kdumplab.harness.device.Fence;

/** Runs one cell on its host while the caller holds it (its database lease and its claim: together the run's fence). */
public interface CellRunner {
    /**
     * @param next the host's next pending cell, or null: a runner may prepare the host for it (LabCells points the
     *             reboot after this cell's crash at the next cell's kernel); a hint only, the next cell checks again
     */
    CellResult run(CellRow cell, CellRow next, Fence fence);
}
