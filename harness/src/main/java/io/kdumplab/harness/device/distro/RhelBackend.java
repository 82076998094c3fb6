package io.kdumplab.harness.device.distro;

import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.device.DumpTarget;

/**
 * RHEL, CentOS Stream, Fedora, Rocky, Alma: kdump-utils (kdumpctl); the command
 * line is changed with grubby for every installed kernel.
 */
final class RhelBackend implements Distro {
    @Override
    public Family family() {
        return Family.RHEL;
    }

    @Override
    public String kdumpService() {
        return "kdump";
    }

    @Override
    public String kdumpTool() {
        return "kdumpctl";
    }

    @Override
    public String kdumpPackage() {
        return "kdump-utils (kexec-tools)";
    }

    @Override
    public String headersInstallCommand(String kver) {
        return "dnf install kernel-devel-" + kver;
    }

    @Override
    public String addKernelArgsCommand(String args) {
        return "grubby --update-kernel=ALL --args='" + args + "'";
    }

    @Override
    public String enableAndLoadKdumpCommand() {
        return "systemctl enable kdump >/dev/null 2>&1; kdumpctl restart";
    }

    static final String CONFIG = "/etc/kdump.conf";

    @Override
    public String dumpTargetCommand() {
        return "cat " + CONFIG + " 2>/dev/null || true";
    }

    /**
     * kdump.conf: `path` (default /var/crash) under the target; the target is the root filesystem unless a line
     * names `ssh user@host`, `nfs server:/export`, or a device (`raw`, `ext4 UUID=...`, `xfs ...`, ...).
     */
    @Override
    public DumpTarget dumpTarget(String output) {
        String path = "/var/crash";
        String sshKey = "/root/.ssh/kdump_id_rsa";
        DumpTarget remote = null;
        for (String raw : output.split("\n")) {
            String line = raw.replaceFirst("#.*", "").strip();
            String[] w = line.split("\\s+", 2);
            if (w.length < 2) {
                continue;
            }
            switch (w[0]) {
                case "path" -> path = w[1].strip();
                case "sshkey" -> sshKey = w[1].strip();
                case "ssh" -> remote = new DumpTarget(DumpTarget.Kind.SSH, w[1].strip(), CONFIG + " ssh");
                case "nfs" -> remote = new DumpTarget(DumpTarget.Kind.NFS, w[1].strip(), CONFIG + " nfs");
                case "raw", "ext2", "ext3", "ext4", "xfs", "btrfs", "minix", "virtiofs" ->
                        remote = new DumpTarget(DumpTarget.Kind.DEVICE, w[0] + " " + w[1].strip(), CONFIG + " " + w[0]);
                default -> { }
            }
        }
        if (remote != null && remote.kind() == DumpTarget.Kind.SSH) {
            return DumpTarget.ssh(remote.location(), path, sshKey, remote.source());
        }
        if (remote != null && remote.kind() == DumpTarget.Kind.NFS) {
            // kdump-utils: `path` is taken inside the mounted export
            return DumpTarget.nfs(remote.location(), path, remote.location() + ":" + path, remote.source());
        }
        if (remote != null) {
            return new DumpTarget(remote.kind(), remote.location() + (remote.kind() == DumpTarget.Kind.NFS
                    || remote.kind() == DumpTarget.Kind.SSH ? ":" + path : ", path " + path), remote.source());
        }
        return new DumpTarget(DumpTarget.Kind.LOCAL, path, CONFIG + " path");
    }

    /**
     * kdump-utils: `vmcore` (local, or the plain copy over SSH), `vmcore.flat` (makedumpfile -F over SSH),
     * `vmcore-dmesg.txt`; `vmcore-incomplete` and `vmcore-dmesg-incomplete.txt` until they are done.
     */
    @Override
    public io.kdumplab.harness.device.DumpLayout dumpLayout() {
        return new io.kdumplab.harness.device.DumpLayout(java.util.List.of("vmcore", "vmcore.flat"),
                java.util.List.of("vmcore-dmesg.txt"), java.util.List.of("vmcore-incomplete", "vmcore-dmesg-incomplete.txt"), true);
    }
}
