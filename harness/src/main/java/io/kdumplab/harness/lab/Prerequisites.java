package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.util.Processes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Host programs the virtual lab needs, with the Debian package that brings
 * each, so a missing one is reported as "apt-get install PACKAGE".
 */
public final class Prerequisites {
    /** command or file -> Debian package */
    static final Map<String, String> TO_RUN_A_LAB = new LinkedHashMap<>();
    static final Map<String, String> TO_BUILD_AN_IMAGE = new LinkedHashMap<>();

    static {
        TO_RUN_A_LAB.put("qemu-system-x86_64", "qemu-system-x86");
        TO_RUN_A_LAB.put("qemu-img", "qemu-utils");
        TO_RUN_A_LAB.put("ipmi_sim", "openipmi");
        TO_RUN_A_LAB.put("gcc", "gcc");
        TO_RUN_A_LAB.put("setsid", "util-linux");
        TO_RUN_A_LAB.put("/usr/include/OpenIPMI/serv.h", "libopenipmi-dev");
        TO_BUILD_AN_IMAGE.put("mmdebstrap", "mmdebstrap");
        TO_BUILD_AN_IMAGE.put("mkfs.ext4", "e2fsprogs");
        TO_BUILD_AN_IMAGE.put("sfdisk", "fdisk");
        TO_BUILD_AN_IMAGE.put("ssh-keygen", "openssh-client");
    }

    private final Function<String, Boolean> present;

    public Prerequisites() {
        this(name -> name.startsWith("/") ? Files.exists(Path.of(name)) : Processes.which(name).isPresent());
    }

    /** For tests: decides what counts as installed. */
    public Prerequisites(Function<String, Boolean> present) {
        this.present = present;
    }

    public void requireForLab() {
        require("run the virtual lab", TO_RUN_A_LAB);
    }

    public void requireForImageBuild() {
        require("build the lab's guest image", TO_BUILD_AN_IMAGE);
    }

    private void require(String purpose, Map<String, String> needed) {
        List<String> missing = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        needed.forEach((what, pkg) -> {
            if (!present.apply(what)) {
                missing.add(what + " (package " + pkg + ")");
                if (!packages.contains(pkg)) {
                    packages.add(pkg);
                }
            }
        });
        if (!missing.isEmpty()) {
            throw new ConfigurationException("missing prerequisites to " + purpose + ": " + String.join(", ", missing),
                    "install them with: apt-get install -y " + String.join(" ", packages)
                            + " (or run .ci/run, which installs everything)");
        }
    }
}
