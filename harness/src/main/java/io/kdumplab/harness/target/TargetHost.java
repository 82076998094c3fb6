package io.kdumplab.harness.target;

import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.target.SshEndpoint;

/**
 * One server to test, with every endpoint resolved (secrets still unread); `kernel` (may be null) is the release to
 * run on; `watch` sees the host's machinery die (a virtual lab's processes; nothing for a real server); `dumpServer`
 * (may be null) is how the harness reaches the machine the host's kdump sends its dumps to; `fallbackBmc` (may be
 * null) is a second BMC used when `bmc` cannot be reached.
 */
public record TargetHost(String name, SshEndpoint ssh, BmcEndpoint bmc, ConsoleEndpoint console,
                         String distro, String crashkernel, String dumpDir, String virtualLab, String kernel, HostWatch watch,
                         SshEndpoint dumpServer, BmcEndpoint fallbackBmc) {
    public TargetHost {
        watch = watch == null ? HostWatch.NONE : watch;
    }

    /** A host whose dumps stay on it (no dump server). */
    public TargetHost(String name, SshEndpoint ssh, BmcEndpoint bmc, ConsoleEndpoint console, String distro, String crashkernel,
                      String dumpDir, String virtualLab, String kernel, HostWatch watch) {
        this(name, ssh, bmc, console, distro, crashkernel, dumpDir, virtualLab, kernel, watch, null, null);
    }

    /** A host with one BMC. */
    public TargetHost(String name, SshEndpoint ssh, BmcEndpoint bmc, ConsoleEndpoint console, String distro, String crashkernel,
                      String dumpDir, String virtualLab, String kernel, HostWatch watch, SshEndpoint dumpServer) {
        this(name, ssh, bmc, console, distro, crashkernel, dumpDir, virtualLab, kernel, watch, dumpServer, null);
    }

    public static final String SEED_CRASHKERNEL = "1G-4G:192M,4G-64G:256M,64G-:512M";
}
