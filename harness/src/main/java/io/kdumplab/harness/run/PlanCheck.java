package io.kdumplab.harness.run;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.target.ConsoleEndpoint;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.util.Secret;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks a run's plan before the first connection: secrets resolvable, key
 * and console device present, timeouts consistent. Every problem is reported
 * at once (exit 2) and nothing on the host is touched; warnings (a password
 * file readable by its group) go into the run's notes.
 */
public final class PlanCheck {
    private PlanCheck() {}

    public record Report(List<String> problems, List<String> warnings) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    public static Report check(TargetHost host, Scenario scenario, Duration hangAfter) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String h = "host " + host.name() + ": ";

        Secret pw = host.bmc().password();
        try {
            pw.reveal();
        } catch (ConfigurationException e) {
            problems.add(h + "BMC password: " + e.getMessage() + " (" + e.hint() + ")");
        }
        pw.file().filter(Files::exists).ifPresent(f -> {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
                if (perms.contains(PosixFilePermission.GROUP_READ)) {
                    warnings.add(h + "password file " + f + " is readable by its group (chmod 600 " + f + ")");
                }
            } catch (java.io.IOException | UnsupportedOperationException ignored) {
                // reading it already reported what matters
            }
        });

        if (host.fallbackBmc() != null) {
            try {
                host.fallbackBmc().password().reveal();
            } catch (ConfigurationException e) {
                problems.add(h + "fallback BMC password: " + e.getMessage() + " (" + e.hint() + ")");
            }
        }
        if (host.bmc().kg() != null) {
            try {
                host.bmc().kg().reveal();
            } catch (ConfigurationException e) {
                problems.add(h + "BMC key (Kg): " + e.getMessage() + " (" + e.hint() + ")");
            }
        }
        for (var other : new io.kdumplab.harness.target.SshEndpoint[] {host.dumpServer(), host.console().ssh()}) {
            if (other != null && other.password() != null) {
                try {
                    other.password().reveal();
                } catch (ConfigurationException e) {
                    problems.add(h + "password for " + other.describe() + ": " + e.getMessage() + " (" + e.hint() + ")");
                }
            } else if (other != null && (other.privateKey() == null || !Files.isReadable(other.privateKey()))) {
                problems.add(h + "SSH private key " + other.privateKey() + " for " + other.describe() + " is missing or unreadable");
            }
        }

        Path key = host.ssh().privateKey();
        if (key == null || !Files.isReadable(key)) {
            problems.add(h + "SSH private key " + key + " is missing or unreadable (inventory ssh.key)");
        }
        boolean pinned = host.ssh().hostKeyFingerprint() != null && !host.ssh().hostKeyFingerprint().isBlank();
        if (!pinned && (host.ssh().knownHosts() == null || !Files.isReadable(host.ssh().knownHosts()))) {
            problems.add(h + "no pinned SSH host key: set ssh.host_key_fingerprint (SHA256:...) or a readable ssh.known_hosts"
                    + (host.ssh().knownHosts() == null ? "" : " (" + host.ssh().knownHosts() + " is missing)"));
        }

        ConsoleEndpoint c = host.console();
        if (c.type() == ConsoleEndpoint.Type.SERIAL && (c.device() == null || !Files.exists(Path.of(c.device())))) {
            problems.add(h + "serial console device " + c.device() + " does not exist (inventory console.device)");
        }
        if (c.type() == ConsoleEndpoint.Type.TCP && (c.host() == null || c.port() <= 0 || c.port() > 65535)) {
            problems.add(h + "TCP console needs console.host and a console.port in 1..65535 (got " + c.host() + ":" + c.port() + ")");
        }

        Scenario.Timeouts t = scenario.timeouts();
        int[] all = {t.preflight(), t.kdumpReady(), t.reboot(), t.spammerBuild(), t.spammerOnConsole(), t.captureKernel(),
                t.dumpSaved(), t.sshBack(), t.evidence()};
        String[] names = {"preflight", "kdump_ready", "reboot", "spammer_build", "spammer_on_console", "capture_kernel",
                "dump_saved", "ssh_back", "evidence"};
        for (int i = 0; i < all.length; i++) {
            if (all[i] <= 0) {
                problems.add("scenario " + scenario.name() + ": timeouts." + names[i] + " must be positive (got " + all[i] + ")");
            }
        }
        if (hangAfter.isNegative() || hangAfter.isZero()) {
            problems.add("--hang-after must be positive (got " + hangAfter.toSeconds() + " s)");
        } else if (hangAfter.toSeconds() >= t.captureKernel()) {
            problems.add("--hang-after (" + hangAfter.toSeconds() + " s) must be shorter than timeouts.capture_kernel ("
                    + t.captureKernel() + " s): a quiet console could never be told from a slow capture kernel");
        }
        if (t.preflight() < 20) {
            problems.add("scenario " + scenario.name() + ": timeouts.preflight (" + t.preflight()
                    + " s) leaves no time to prove the console (at least 20 s)");
        }
        return new Report(List.copyOf(problems), List.copyOf(warnings));
    }

    /** Throws one ConfigurationException listing every problem. */
    /**
     * The reports filesystem has room for a run (console log, result, reports), or the run is refused before
     * anything is touched: a disk that fills during a run loses nothing (see {@link ReportsStorage}), but one that
     * is full already is an input problem.
     */
    public static void requireFreeSpace(Path reportsRoot, long minBytes) {
        long free = ReportsStorage.usableBytes(reportsRoot);
        if (free < minBytes) {
            throw new ConfigurationException("the reports directory " + reportsRoot.toAbsolutePath() + " has "
                    + free / 1024 + " KiB free; a run needs at least " + (minBytes >> 20) + " MiB",
                    "free space there, or point --reports (HARNESS_REPORTS) at a filesystem with room");
        }
    }

    public static List<String> verify(TargetHost host, Scenario scenario, Duration hangAfter) {
        Report r = check(host, scenario, hangAfter);
        if (!r.ok()) {
            throw new ConfigurationException("the run's plan has " + r.problems().size() + " problem(s); nothing was touched:\n  - "
                    + String.join("\n  - ", r.problems()), "fix the inventory, scenario or flags named above");
        }
        return r.warnings();
    }
}
