package io.kdumplab.harness.run;

import io.kdumplab.harness.device.Distro;

/** What preflight learned about the host; `dumpPlace`: where this run's dump will be. */
public record HostFacts(String kernel, String cmdline, Distro distro, DumpPlace dumpPlace) {
    public HostFacts withCmdline(String c) {
        return new HostFacts(kernel, c, distro, dumpPlace);
    }
}
