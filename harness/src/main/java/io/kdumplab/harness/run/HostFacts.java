package io.kdumplab.harness.run;

import io.kdumplab.harness.device.distro.DistroBackend;

/** What preflight learned about the host. */
public record HostFacts(String kernel, String cmdline, DistroBackend distro, String dumpDir) {
    public HostFacts withCmdline(String c) {
        return new HostFacts(kernel, c, distro, dumpDir);
    }
}
