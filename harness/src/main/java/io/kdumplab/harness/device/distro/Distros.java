package io.kdumplab.harness.device.distro;

import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.failure.ConfigurationException;

import java.time.Duration;
import java.util.Locale;

/** The families the harness knows, and how a host is told apart: the inventory's word, else os-release. */
public final class Distros {
    private Distros() {}

    /** declared: the inventory's `distro:` (null: ask the host's os-release). */
    public static Distro.Detector declaredOr(String declared) {
        return shell -> of(declared != null ? declared
                : familyOf(shell.run(". /etc/os-release; echo \"$ID $ID_LIKE\"", Duration.ofSeconds(15)).out()));
    }

    public static Distro of(String family) {
        return switch (family) {
            case "rhel" -> new RhelBackend();
            case "debian" -> new DebianBackend();
            default -> throw new IllegalArgumentException("no backend for family " + family);
        };
    }

    /**
     * The family from os-release's "ID ID_LIKE": debian or rhel, the two the harness knows how to configure and
     * read dumps on. Anything else (SUSE's kdump, openSUSE's, ...) is refused: guessing Debian's tooling on it
     * would configure the wrong files and look for the dump in the wrong place.
     */
    static String familyOf(String idAndIdLike) {
        String ids = idAndIdLike.strip().toLowerCase(Locale.ROOT);
        if (ids.matches(".*\\b(rhel|fedora|centos|rocky|almalinux)\\b.*")) {
            return "rhel";
        }
        if (ids.matches(".*\\b(debian|ubuntu)\\b.*")) {
            return "debian";
        }
        String id = ids.isEmpty() ? "unknown" : ids.split("\\s+")[0];
        String family = ids.matches(".*\\b(suse|sles|opensuse.*)\\b.*") ? "suse" : id;
        throw new ConfigurationException("unsupported distribution family '" + family + "' (ID=" + id + ")",
                "the harness configures and reads kdump on the Debian and RHEL families only");
    }
}
