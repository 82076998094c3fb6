package io.kdumplab.harness.nightly;

import io.kdumplab.harness.lease.Hold;
import io.kdumplab.harness.device.Fence;

import java.time.Duration;

/**
 * What the engine needs of a host beyond running cells: the claim on the host, a health check and a power cycle
 * through its BMC.
 */
public interface HostControl {
    /**
     * Claims the host for tonight's cells on top of the database lease (`databaseFence`: "DATABASE/TOKEN"), waiting in
     * line up to `wait` behind a holder from another orchestrator; `reach` bounds the first SSH contact. Throws an
     * InfrastructureException when the host does not answer, a LeaseUnavailableException when the wait runs out.
     */
    Hold claim(String host, String night, String databaseFence, Duration wait, Duration reach);

    /** Null when healthy; else what failed (SSH, BMC session, console, kdump). Bounded. */
    String healthProblem(String host);

    /** Power-cycles the host through its BMC, after the lease's fence check, and waits for it to come back. Bounded. */
    void powerCycle(String host, Fence fence);
}
