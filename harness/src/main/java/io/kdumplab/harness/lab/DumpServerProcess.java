package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.Hashing;
import io.kdumplab.harness.util.ProcessIdentity;
import io.kdumplab.harness.util.Processes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The lab's SSH dump server: an OpenSSH sshd of the lab's own (loopback, its own port, host key and config; the
 * machine's sshd is never touched) that lets the dump account (made by setup-host.sh) in with two keys only: the
 * guest's kdump key and the harness's reading key. The guest reaches it at QEMU's host address, as a partner
 * server reaches its dump server over the network; the harness reads the dumps over SSH, as it would there.
 */
final class DumpServerProcess {
    static final String USER = "kdump-dumps";
    static final String SSHD = LabSshd.SSHD;
    private static final Duration COMMAND = Duration.ofSeconds(30);

    private DumpServerProcess() {}

    static LabState start(Path labDir, LabState s, int port, Consumer<String> progress) {
        String home = requirePrerequisites();
        Path dir = labDir.resolve("dump-server");
        Path serverDir = Path.of(home, s.name());
        Path coreDir = serverDir.resolve("crash");
        try {
            Files.createDirectories(dir);
            Path hostKey = ensureKey(dir.resolve("host_key"));
            Path harnessKey = ensureKey(dir.resolve("harness_key"));
            // sshd reads authorized_keys as the user and wants every directory on its path owned by root or the user
            Files.createDirectories(serverDir);
            run("chown", "root:root", serverDir.toString());
            Files.setPosixFilePermissions(serverDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(coreDir);
            run("chown", USER + ":" + USER, coreDir.toString());
            Files.setPosixFilePermissions(coreDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            writeAuthorizedKeys(labDir, serverDir);
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory (the service makes it)
            Path config = dir.resolve("sshd_config");
            AtomicFiles.write(config, String.join("\n",
                    "# the lab's SSH dump server; written by the harness at each start",
                    "ListenAddress " + VirtualLab.HOST, "Port " + port,
                    "HostKey " + hostKey, "PidFile " + dir.resolve("sshd.pid"),
                    "AuthorizedKeysFile " + serverDir.resolve("authorized_keys"),
                    "AllowUsers " + USER, "PermitRootLogin no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                    "UsePAM no", "AllowTcpForwarding no", "X11Forwarding no", "PermitTTY no", "PrintMotd no",
                    "Subsystem sftp internal-sftp", "LogLevel VERBOSE", ""));
            progress.accept("starting the SSH dump server on " + VirtualLab.HOST + ":" + port + " (account " + USER
                    + ", dumps in " + coreDir + ")");
            ProcessIdentity id = LabSshd.start(dir, config, port, "SSH dump server", "dump-server");
            String hostKeyLine = Files.readString(Path.of(hostKey + ".pub")).strip();
            Path knownHosts = dir.resolve("known_hosts");
            AtomicFiles.write(knownHosts, "[" + VirtualLab.HOST + "]:" + port + " " + hostKeyLine + "\n");
            return s.withDumpServer(new LabState.DumpServer(port, id.pid(), id.startTicks(), USER, coreDir.toString(),
                    harnessKey.toString(), Hashing.sshFingerprint(hostKeyLine), knownHosts.toString()));
        } catch (IOException e) {
            throw new InfrastructureException("dump-server", "cannot prepare the lab's SSH dump server: " + e.getMessage(),
                    "check " + dir + " and " + serverDir);
        }
    }

    /** The dump account's home; refuses (exit 2, nothing started) when this machine was not set up for it. */
    static String requirePrerequisites() {
        if (!Files.isExecutable(Path.of(SSHD))) {
            throw new ConfigurationException("the lab's SSH dump server needs OpenSSH's sshd (" + SSHD + " is missing)",
                    "apt-get install openssh-server (or run ./setup-host.sh)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new ConfigurationException("the lab's SSH dump server runs an sshd that logs the guest in as " + USER
                    + ", which needs root", "run the lab as root, or keep the lab's dump target local");
        }
        Processes.Outcome who = Processes.run(List.of("getent", "passwd", USER), COMMAND, null);
        String[] f = who.output().strip().split(":");
        if (!who.ok() || f.length < 6) {
            throw new ConfigurationException("the dump account " + USER + " does not exist on this machine",
                    "run ./setup-host.sh (it creates the account), or: useradd --system --create-home --home-dir "
                            + "/var/lib/kdump-harness/dumps --shell /bin/sh " + USER);
        }
        Processes.Outcome shadow = Processes.run(List.of("getent", "shadow", USER), COMMAND, null);
        if (shadow.ok() && shadow.output().startsWith(USER + ":!")) {
            throw new ConfigurationException("the dump account " + USER + " is locked (its password field starts with '!'), "
                    + "so sshd lets no key in", "run ./setup-host.sh again, or: usermod -p '*' " + USER);
        }
        return f[5];
    }

    /** The guest's kdump key (once the guest made it) and the harness's reading key; nothing else logs in. */
    static void writeAuthorizedKeys(Path labDir, Path serverDir) throws IOException {
        Path dir = labDir.resolve("dump-server");
        StringBuilder keys = new StringBuilder();
        keys.append("restrict ").append(Files.readString(dir.resolve("harness_key.pub")).strip()).append('\n');
        Path guest = dir.resolve("guest_key.pub");
        if (Files.exists(guest)) {
            keys.append("restrict ").append(Files.readString(guest).strip()).append('\n');
        }
        AtomicFiles.write(serverDir.resolve("authorized_keys"), keys.toString());
        Files.setPosixFilePermissions(serverDir.resolve("authorized_keys"), PosixFilePermissions.fromString("rw-r--r--"));
    }

    static Path ensureKey(Path key) {
        if (!Files.exists(key)) {
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kdump-harness-lab", "-f", key.toString());
        }
        return key;
    }

    private static void run(String... command) {
        Processes.Outcome o = Processes.run(List.of(command), COMMAND, null);
        if (!o.ok()) {
            throw new InfrastructureException("dump-server", String.join(" ", command) + " failed: " + o.output().strip(),
                    "check that this machine was set up with ./setup-host.sh");
        }
    }
}
