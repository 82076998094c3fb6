package io.kdumplab.harness.device.distro;

/**
 * RHEL, CentOS Stream, Fedora, Rocky, Alma: kdump-utils (kdumpctl); the command
 * line is changed with grubby for every installed kernel.
 */
public final class RhelBackend implements DistroBackend {
    @Override
    public String family() {
        return "rhel";
    }

    @Override
    public String addKernelArgsCommand(String args) {
        return "grubby --update-kernel=ALL --args='" + args + "'";
    }

    @Override
    public String enableAndLoadKdumpCommand() {
        return "systemctl enable kdump >/dev/null 2>&1; kdumpctl restart";
    }

    @Override
    public String dumpGlob(String dumpDir) {
        return dumpDir + "/*/vmcore";
    }

    @Override
    public String dmesgGlob(String dumpDir) {
        return dumpDir + "/*/vmcore-dmesg.txt";
    }
}
