package io.kdumplab.harness.nightly;

import io.kdumplab.harness.lease.Lease;

/** What the engine needs of a host beyond running cells: a health check and a power cycle through its BMC. */
public interface HostControl {
    /** Null when healthy; else what failed (SSH, BMC session, console, kdump). Bounded. */
    String healthProblem(String host);

    /** Power-cycles the host through its BMC, after the lease's fence check, and waits for it to come back. Bounded. */
    void powerCycle(String host, Lease lease);
}
