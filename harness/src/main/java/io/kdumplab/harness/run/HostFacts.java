package io.kdumplab.harness.run;

import io.kdumplab.harness.device.Distro;

/** What preflight learned about the host. */
public record HostFacts(String kernel, String cmdline, Distro distro, String dumpDir) {
    public HostFacts withCmdline(String c) {
        return new HostFacts(kernel, c, distro, dumpDir);
    }
}
