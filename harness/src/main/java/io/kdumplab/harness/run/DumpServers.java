package io.kdumplab.harness.run;

import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.wait.Deadline;

/** Opens a shell on the machine a host's kdump sends its dumps to (the real one: SSH with the host key pinned). */
@FunctionalInterface
public interface DumpServers {
    CommandShell connect(SshEndpoint server, Deadline deadline);
}
