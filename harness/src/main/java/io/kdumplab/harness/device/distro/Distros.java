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
            case "suse" -> new SuseBackend();
            default -> throw new IllegalArgumentException("no backend for family " + family);
        };
    }

    /**
     * The family from os-release's "ID ID_LIKE": debian, rhel or suse, the three the harness knows how to configure
     * and read dumps on. Anything else is refused: guessing another family's tooling on it would configure the wrong
     * files and look for the dump in the wrong place.
     */
    static String familyOf(String idAndIdLike) {
        String ids = idAndIdLike.strip().toLowerCase(Locale.ROOT);
        if (ids.matches(".*\\b(rhel|fedora|centos|rocky|almalinux)\\b.*")) {
            return "rhel";
        }
        if (ids.matches(".*\\b(debian|ubuntu)\\b.*")) {
            return "debian";
        }
        if (ids.matches(".*\\b(suse|sles|sled|opensuse[a-z-]*)\\b.*")) {
            return "suse";
        }
        String id = ids.isEmpty() ? "unknown" : ids.split("\\s+")[0];
        throw new ConfigurationException("unsupported distribution family '" + id + "' (ID=" + id + ")",
                "the harness configures and reads kdump on the Debian, RHEL and SUSE families only");
    }
}
