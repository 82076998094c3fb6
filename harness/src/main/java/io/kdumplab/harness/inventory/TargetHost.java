package io.kdumplab.harness.inventory;

import io.kdumplab.harness.inventory.BmcEndpoint;
import io.kdumplab.harness.inventory.SshEndpoint;

/**
 * One server to test, with every endpoint resolved (secrets still unread); `kernel` (may be null) is the release to
 * run on; `watch` sees the host's machinery die (a virtual lab's processes; nothing for a real server).
 */
public record TargetHost(String name, SshEndpoint ssh, BmcEndpoint bmc, ConsoleEndpoint console,
                         String distro, String crashkernel, String dumpDir, String virtualLab, String kernel, HostWatch watch) {
    public TargetHost {
        watch = watch == null ? HostWatch.NONE : watch;
    }

    public static final String SEED_CRASHKERNEL = "1G-4G:192M,4G-64G:256M,64G-:512M";
}
