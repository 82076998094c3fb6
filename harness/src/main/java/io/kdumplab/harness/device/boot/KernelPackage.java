package io.kdumplab.harness.device.boot;

import java.nio.file.Path;
import java.util.List;

/**
 * A kernel build as the host receives it: what to install (package files, a kernel + initramfs + modules tarball,
 * or package names the host's own repositories serve) and the `uname -r` the host must report once booted.
 * Bisection's builds and nightly's kernels are both this.
 */
public interface KernelPackage {
    enum Kind {
        /** .deb files, installed with apt as a local upgrade. */
        DEB,
        /** .rpm files, installed with dnf. */
        RPM,
        /** A tarball holding boot/vmlinuz-REL and lib/modules/REL (initramfs optional). */
        TARBALL,
        /** Package names from the host's configured repositories. */
        REPOSITORY
    }

    String name();

    String kernelRelease();

    Kind kind();

    List<Path> artifacts();

    List<String> packages();

    /** The name as shown in reports: "6.1.0-55 (6.1.0-55-amd64)". */
    default String label() {
        return name().equals(kernelRelease()) ? name() : name() + " (" + kernelRelease() + ")";
    }
}
