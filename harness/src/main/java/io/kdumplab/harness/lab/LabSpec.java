package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.ConfigurationException;

/**
 * Settings of one lab instance. Port 0 means "pick a free one".
 * The accelerator is a setting because KVM is broken on some hosts (ours):
 * TCG is the default, "kvm" is for users whose KVM works.
 */
public record LabSpec(String name, String accel, int memoryMb, int cpus, int baud,
                      int bmcPort, int sshPort, int consolePort) {

    public static final String DEFAULT_NAME = "default";

    public static LabSpec defaults(String name) {
        return new LabSpec(name, "tcg", 2048, 2, 115200, 0, 0, 0);
    }

    public LabSpec {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")) {
            throw new ConfigurationException("invalid lab name '" + name + "'",
                    "use letters, digits, '.', '_' or '-' (at most 40 characters)");
        }
        if (!accel.equals("tcg") && !accel.equals("kvm")) {
            throw new ConfigurationException("unknown accelerator '" + accel + "'", "use --accel tcg or --accel kvm");
        }
        if (baud < 300 || baud > 4_000_000) {
            throw new ConfigurationException("baud rate " + baud + " is out of range", "use e.g. 115200");
        }
        for (int p : new int[] {bmcPort, sshPort, consolePort}) {
            if (p < 0 || p > 65535) {
                throw new ConfigurationException("port " + p + " is out of range", "use 1..65535, or 0 for a free port");
            }
        }
    }

    /** 8N1 framing: 10 bits on the wire per byte. */
    public int lineBytesPerSecond() {
        return baud / 10;
    }
}
