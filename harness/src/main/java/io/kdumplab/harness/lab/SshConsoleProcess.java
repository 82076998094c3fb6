package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.Hashing;
import io.kdumplab.harness.util.ProcessIdentity;
import io.kdumplab.harness.util.Processes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The lab's SSH console, as a BMC's serial-over-SSH port is (OpenBMC serves the host console on port 2200): an sshd
 * of the lab's own whose every login attaches to the serial line (socat to the console relay). It lets in the user the
 * lab runs as with one key (a forced command in authorized_keys), and, as BMCs do, a password login: the account
 * kdump-console with the password setup-host.sh put in {@link #PASSWORD_FILE} (forced command in sshd_config).
 */
final class SshConsoleProcess {
    static final String PASSWORD_USER = "kdump-console";
    static final Path PASSWORD_FILE = Path.of("/var/lib/kdump-harness/console-password");

    private SshConsoleProcess() {}

    /** setup-host.sh made the password login's account and its password file. */
    private static boolean passwordLogin() {
        return Files.isReadable(PASSWORD_FILE) && Processes.run(java.util.List.of("getent", "passwd", PASSWORD_USER),
                java.time.Duration.ofSeconds(5), null).exitCode() == 0;
    }

    static boolean available() {
        return Files.isExecutable(Path.of(LabSshd.SSHD)) && Processes.which("socat").isPresent();
    }

    static LabState start(Path labDir, LabState s, int port, Consumer<String> progress) {
        Path dir = labDir.resolve("ssh-console");
        String user = System.getProperty("user.name");
        try {
            Files.createDirectories(dir);
            Path hostKey = DumpServerProcess.ensureKey(dir.resolve("host_key"));
            Path clientKey = DumpServerProcess.ensureKey(dir.resolve("client_key"));
            String socat = Processes.which("socat").orElseThrow().toString();
            AtomicFiles.write(dir.resolve("authorized_keys"), "command=\"exec " + socat + " - TCP:" + VirtualLab.HOST + ":"
                    + s.consolePort() + "\",no-port-forwarding,no-X11-forwarding,no-agent-forwarding "
                    + Files.readString(Path.of(clientKey + ".pub")).strip() + "\n");
            Files.createDirectories(Path.of("/run/sshd"));
            Path config = dir.resolve("sshd_config");
            boolean password = passwordLogin();
            java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of(
                    "# the lab's SSH console (serial over SSH, as a BMC's port 2200); written by the harness at each start",
                    "ListenAddress " + VirtualLab.HOST, "Port " + port, "HostKey " + hostKey, "PidFile " + dir.resolve("sshd.pid"),
                    "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                    "AllowUsers " + user + (password ? " " + PASSWORD_USER : ""),
                    "PermitRootLogin forced-commands-only", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                    "UsePAM no", "AllowTcpForwarding no", "X11Forwarding no", "PrintMotd no", "LogLevel VERBOSE"));
            if (password) {
                lines.addAll(java.util.List.of("Match User " + PASSWORD_USER, "    PasswordAuthentication yes",
                        "    AuthenticationMethods password", "    ForceCommand exec " + socat + " - TCP:" + VirtualLab.HOST + ":"
                                + s.consolePort()));
            }
            lines.add("");
            AtomicFiles.write(config, String.join("\n", lines));
            progress.accept("starting the SSH console (serial over SSH) on " + VirtualLab.HOST + ":" + port);
            ProcessIdentity id = LabSshd.start(dir, config, port, "SSH console", "console");
            String hostKeyLine = Files.readString(Path.of(hostKey + ".pub")).strip();
            Path knownHosts = dir.resolve("known_hosts");
            AtomicFiles.write(knownHosts, "[" + VirtualLab.HOST + "]:" + port + " " + hostKeyLine + "\n");
            return s.withSshConsole(new LabState.SshConsole(port, id.pid(), id.startTicks(), user, clientKey.toString(),
                    Hashing.sshFingerprint(hostKeyLine), knownHosts.toString(), password ? PASSWORD_USER : null,
                    password ? PASSWORD_FILE.toString() : null));
        } catch (IOException e) {
            throw new InfrastructureException("console", "cannot prepare the lab's SSH console: " + e.getMessage(), "check " + dir);
        }
    }
}
