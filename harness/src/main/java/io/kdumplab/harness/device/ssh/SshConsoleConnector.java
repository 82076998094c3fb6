package io.kdumplab.harness.device.ssh;

import io.kdumplab.harness.device.console.ConsoleConnector;
import io.kdumplab.harness.device.console.ConsoleLink;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.target.SshEndpoint;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A console over SSH: a BMC's serial-over-SSH port (OpenBMC's 2200, which attaches at login), or a BMC or console
 * server CLI where a command attaches to the host's serial port (iLO `vsp`, iDRAC `console com2`): the command is
 * typed into an interactive shell with a terminal, as a person would. The host key is pinned like any SSH host's.
 */
public final class SshConsoleConnector implements ConsoleConnector {
    private static final Duration CONNECT = Duration.ofSeconds(10);
    /** Keep-alives (every 5 s, see SshShell) keep a quiet console's connection from reaching this. */
    private static final Duration READ = Duration.ofSeconds(30);

    private final SshEndpoint endpoint;
    private final String command;

    /** `command`: typed after login to attach to the serial port; null or blank when the login itself attaches. */
    public SshConsoleConnector(SshEndpoint endpoint, String command) {
        this.endpoint = endpoint;
        this.command = command == null || command.isBlank() ? null : command;
    }

    @Override
    public ConsoleLink connect() throws IOException {
        SSHClient client;
        try {
            client = SshShell.client(endpoint, CONNECT, READ);
        } catch (InfrastructureException e) {
            throw new IOException(e.getMessage(), e);
        }
        Session session;
        Session.Shell shell;
        try {
            session = client.startSession();
            if (command != null) {
                session.allocatePTY("vt100", 200, 50, 0, 0, java.util.Map.of());
            }
            shell = session.startShell();
            if (command != null) {
                shell.getOutputStream().write((command + "\r").getBytes(StandardCharsets.US_ASCII));
                shell.getOutputStream().flush();
            }
        } catch (IOException e) {
            client.close();
            throw e;
        }
        return ConsoleLink.of(shell.getInputStream(), shell.getOutputStream(), () -> {
            try {
                session.close();
            } finally {
                client.close();
            }
        });
    }

    @Override
    public String describe() {
        return "SSH console " + endpoint.describe() + (command == null ? "" : " ('" + command + "')");
    }
}
