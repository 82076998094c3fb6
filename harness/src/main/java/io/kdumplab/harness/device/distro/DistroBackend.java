package io.kdumplab.harness.device.distro;

import io.kdumplab.harness.device.CommandShell;

import java.time.Duration;

/**
 * What differs between distribution families for kdump: how the kernel
 * command line is changed, which service loads the capture kernel, where and
 * how dumps are written.
 */
public interface DistroBackend {
    String family();

    /** Shell commands (as root) that add the arguments to the default kernel's command line for the next boot. */
    String addKernelArgsCommand(String args);

    /** Enables kdump at boot and (re)loads the capture kernel now. */
    String enableAndLoadKdumpCommand();

    /** Shell glob of dump files. */
    String dumpGlob(String dumpDir);

    /** Shell glob of the dmesg files the dump tooling writes beside the dump. */
    String dmesgGlob(String dumpDir);

    static DistroBackend detect(CommandShell ssh, String declared) {
        String family = declared;
        if (family == null) {
            String osRelease = ssh.run(". /etc/os-release; echo \"$ID $ID_LIKE\"", Duration.ofSeconds(15)).out();
            family = osRelease.matches(".*\\b(rhel|fedora|centos|rocky|almalinux)\\b.*") ? "rhel" : "debian";
        }
        return family.equals("rhel") ? new RhelBackend() : new DebianBackend();
    }
}
