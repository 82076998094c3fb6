package io.kdumplab.harness.device;

/**
 * The host's distribution family as the harness needs it: how the kernel command line is changed, which service
 * loads the capture kernel, where the dump tooling is configured and writes. Detected once per device (the
 * inventory's `distro:` or the host's os-release); a family the harness does not know is refused then.
 */
public interface Distro {
    enum Family {
        DEBIAN, RHEL, SUSE;

        /** "debian", "rhel", "suse": the inventory's and result.json's word. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    Family family();

    /** Shell commands (as root) that add the arguments to the default kernel's command line for the next boot. */
    String addKernelArgsCommand(String args);

    /** The systemd unit that loads the capture kernel at boot. */
    String kdumpService();

    /** The dump tooling's own command, present when the tooling is installed. */
    String kdumpTool();

    /** The package an admin installs to get the dump tooling. */
    String kdumpPackage();

    /** Enables kdump at boot and (re)loads the capture kernel now. */
    String enableAndLoadKdumpCommand();

    /** What an admin runs to get the headers a module build needs for kernel `kver`. */
    String headersInstallCommand(String kver);

    /** A read-only command printing the host's kdump dump-target configuration, for {@link #dumpTarget}. */
    String dumpTargetCommand();

    /** The dump target from the output of {@link #dumpTargetCommand}. */
    DumpTarget dumpTarget(String output);

    /** The files the dump tooling leaves for one dump. */
    DumpLayout dumpLayout();

    /** Works out a host's distribution from its shell, once (the device caches it). */
    @FunctionalInterface
    interface Detector {
        Distro detect(CommandShell shell);
    }
}
