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

    /** A read-only command printing the host's kdump dump-target configuration, for {@link #dumpTarget}. */
    String dumpTargetCommand();

    /** The dump target from the output of {@link #dumpTargetCommand}. */
    DumpTarget dumpTarget(String output);

    /** Shell glob of dump files. */
    String dumpGlob(String dumpDir);

    /** Shell glob of the dmesg files the dump tooling writes beside the dump. */
    String dmesgGlob(String dumpDir);

    /** key=value lines (a command's output) as a map; other lines are ignored. */
    static java.util.Map<String, String> keyValues(String output) {
        java.util.Map<String, String> kv = new java.util.HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return kv;
    }

    static DistroBackend detect(CommandShell ssh, String declared) {
        String family = declared;
        if (family == null) {
            family = familyOf(ssh.run(". /etc/os-release; echo \"$ID $ID_LIKE\"", Duration.ofSeconds(15)).out());
        }
        return family.equals("rhel") ? new RhelBackend() : new DebianBackend();
    }

    /**
     * The family from os-release's "ID ID_LIKE": debian or rhel, the two the harness knows how to configure and
     * read dumps on. Anything else (SUSE's kdump, openSUSE's, ...) is refused: guessing Debian's tooling on it
     * would configure the wrong files and look for the dump in the wrong place.
     */
    static String familyOf(String idAndIdLike) {
        String ids = idAndIdLike.strip().toLowerCase(java.util.Locale.ROOT);
        if (ids.matches(".*\\b(rhel|fedora|centos|rocky|almalinux)\\b.*")) {
            return "rhel";
        }
        if (ids.matches(".*\\b(debian|ubuntu)\\b.*")) {
            return "debian";
        }
        String id = ids.isEmpty() ? "unknown" : ids.split("\\s+")[0];
        String family = ids.matches(".*\\b(suse|sles|opensuse.*)\\b.*") ? "suse" : id;
        throw new io.kdumplab.harness.failure.ConfigurationException("unsupported distribution family '" + family + "' (ID="
                + id + ")", "the harness configures and reads kdump on the Debian and RHEL families only");
    }
}
