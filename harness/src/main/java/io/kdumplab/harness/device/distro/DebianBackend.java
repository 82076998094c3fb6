package io.kdumplab.harness.device.distro;

import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.device.DumpTarget;

/**
 * Debian and Ubuntu: kdump-tools; the command line lives in /etc/default/grub
 * and /etc/default/grub.d, applied by update-grub, as an admin would do.
 */
final class DebianBackend implements Distro {
    public static final String GRUB_DROPIN = "/etc/default/grub.d/99-kdump-harness.cfg";

    @Override
    public Family family() {
        return Family.DEBIAN;
    }

    @Override
    public String kdumpService() {
        return "kdump-tools";
    }

    @Override
    public String kdumpTool() {
        return "kdump-config";
    }

    @Override
    public String kdumpPackage() {
        return "kdump-tools";
    }

    @Override
    public String headersInstallCommand(String kver) {
        return "apt-get install linux-headers-" + kver;
    }

    @Override
    public String addKernelArgsCommand(String args) {
        return "printf '%s\\n' '# written by the NMI/kdump harness' "
                + "'GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT " + args + "\"' > " + GRUB_DROPIN
                + " && update-grub 2>&1 | tail -n 3";
    }

    /** kdump-tools sources this file: the shell that reads it says what the tools will do. */
    static final String CONFIG = "/etc/default/kdump-tools";

    @Override
    public String dumpTargetCommand() {
        return "sh -c '. " + CONFIG + " 2>/dev/null; printf \"coredir=%s\\nssh=%s\\nnfs=%s\\nsshkey=%s\\n\" "
                + "\"${KDUMP_COREDIR:-/var/crash}\" \"${SSH:-}\" \"${NFS:-}\" \"${SSH_KEY:-/root/.ssh/kdump_id_rsa}\"'";
    }

    /** SSH= sends the dump to KDUMP_COREDIR on that machine; NFS= mounts the share and writes into it. */
    @Override
    public DumpTarget dumpTarget(String output) {
        java.util.Map<String, String> kv = io.kdumplab.harness.util.KeyValues.parse(output);
        String dir = kv.getOrDefault("coredir", "/var/crash");
        if (!kv.getOrDefault("ssh", "").isBlank()) {
            return DumpTarget.ssh(kv.get("ssh"), dir, kv.getOrDefault("sshkey", "/root/.ssh/kdump_id_rsa"), CONFIG + " SSH=");
        }
        if (!kv.getOrDefault("nfs", "").isBlank()) {
            // kdump-tools mounts the share on KDUMP_COREDIR: the dumps lie at the share's top
            return DumpTarget.nfs(kv.get("nfs"), "", kv.get("nfs"), CONFIG + " NFS=");
        }
        return new DumpTarget(DumpTarget.Kind.LOCAL, dir, CONFIG + " KDUMP_COREDIR");
    }

    @Override
    public String enableAndLoadKdumpCommand() {
        return "sed -i 's/^#\\?USE_KDUMP=.*/USE_KDUMP=1/' /etc/default/kdump-tools && systemctl enable kdump-tools >/dev/null 2>&1; "
                + "kdump-config unload >/dev/null 2>&1; kdump-config load";
    }

    /**
     * kdump-tools (kdump-config savecore): `dump.STAMP` (makedumpfile, flattened when sent over SSH) or `vmcore.STAMP`
     * (the plain copy it falls back to), `dmesg.STAMP`; `dump-incomplete` or `vmcore-incomplete` until it is done.
     */
    @Override
    public io.kdumplab.harness.device.DumpLayout dumpLayout() {
        return new io.kdumplab.harness.device.DumpLayout(java.util.List.of("dump.*", "vmcore.*"), java.util.List.of("dmesg.*"),
                java.util.List.of("dump-incomplete*", "vmcore-incomplete*"), true);
    }
}
