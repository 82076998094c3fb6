package io.kdumplab.harness.device.ssh;

import io.kdumplab.harness.inventory.SshEndpoint;
import io.kdumplab.harness.failure.InfrastructureException;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.IOUtils;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.sftp.SFTPClient;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An authenticated SSH connection (sshj) with a verified host key. Follows
 * sshj's documented order: verifier, connect, auth, session, exec, read,
 * join, close, then exit status.
 */
public final class SshTarget implements AutoCloseable {
    private final SshEndpoint endpoint;
    private final SSHClient client;

    private SshTarget(SshEndpoint endpoint, SSHClient client) {
        this.endpoint = endpoint;
        this.client = client;
    }

    public static SshTarget connect(SshEndpoint endpoint, Duration connectTimeout) {
        return connect(endpoint, connectTimeout, Duration.ofMillis(Math.max(connectTimeout.toMillis(), 30_000)));
    }

    /**
     * For short probes ("is it up, which boot?"): a hung guest behind a NAT
     * port forward accepts TCP and then never sends its SSH banner, so the
     * read timeout, not the connect timeout, bounds the probe.
     */
    public static SshTarget probe(SshEndpoint endpoint, Duration timeout) {
        return connect(endpoint, timeout, timeout);
    }

    private static SshTarget connect(SshEndpoint endpoint, Duration connectTimeout, Duration readTimeout) {
        SSHClient c = new SSHClient(new DefaultConfig());
        try {
            if (endpoint.hostKeyFingerprint() != null && !endpoint.hostKeyFingerprint().isBlank()) {
                c.addHostKeyVerifier(endpoint.hostKeyFingerprint());
            } else if (endpoint.knownHosts() != null) {
                c.addHostKeyVerifier(new OpenSSHKnownHosts(endpoint.knownHosts().toFile()));
            } else {
                throw new InfrastructureException("ssh", "no pinned host key for " + endpoint.describe(),
                        "add host_key_fingerprint (SHA256:...) or known_hosts to the inventory");
            }
            c.setConnectTimeout((int) connectTimeout.toMillis());
            c.setTimeout((int) readTimeout.toMillis());
            // key exchange and authentication wait on their own timer (30 s by default): a booting host whose sshd
            // answers slowly would otherwise hold a "is it up yet?" probe for a minute
            c.getTransport().setTimeoutMs((int) Math.min(readTimeout.toMillis(), 30_000));
            c.getConnection().getKeepAlive().setKeepAliveInterval(5);
            c.connect(endpoint.host(), endpoint.port());
            c.authPublickey(endpoint.user(), c.loadKeys(endpoint.privateKey().toString()));
            return new SshTarget(endpoint, c);
        } catch (TransportException e) {
            closeQuietly(c);
            if (e.getDisconnectReason() == net.schmizz.sshj.common.DisconnectReason.HOST_KEY_NOT_VERIFIABLE) {
                throw new InfrastructureException("ssh", "host key of " + endpoint.host() + ":" + endpoint.port()
                        + " does not match the pinned key " + endpoint.hostKeyFingerprint() + "; refusing to connect",
                        "if the host was reinstalled, check its new key out of band and update the inventory", e);
            }
            throw unreachable(endpoint, e);
        } catch (IOException e) {
            closeQuietly(c);
            throw unreachable(endpoint, e);
        }
    }

    private static InfrastructureException unreachable(SshEndpoint endpoint, Exception e) {
        return new InfrastructureException("ssh", "cannot reach " + endpoint.describe() + " ("
                + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                "check that the host is up, sshd runs and the key " + endpoint.privateKey() + " is authorized", e);
    }

    public CommandResult run(String command, Duration timeout) {
        try (Session s = client.startSession()) {
            Session.Command cmd = s.exec(command);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errPump = new Thread(() -> copy(cmd.getErrorStream(), err), "ssh-stderr");
            errPump.start();
            String out = IOUtils.readFully(cmd.getInputStream()).toString(StandardCharsets.UTF_8);
            cmd.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
            errPump.join(1000);
            Integer status = cmd.getExitStatus();
            return new CommandResult(command, status == null ? -1 : status, out, err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InfrastructureException("ssh", "command failed on " + endpoint.describe() + ": " + command
                    + " (" + e.getMessage() + ")", "check the host's state (is it still up?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("ssh", "interrupted while running " + command, "");
        }
    }

    /** Runs a command and fails unless it exits 0. */
    public String check(String command, Duration timeout) {
        CommandResult r = run(command, timeout);
        if (!r.ok()) {
            throw new InfrastructureException("ssh", "'" + command + "' exited " + r.exitStatus() + " on "
                    + endpoint.describe() + ": " + (r.stderr().isBlank() ? r.stdout() : r.stderr()).strip(), "");
        }
        return r.out();
    }

    /**
     * For commands that are expected to end the connection (sysrq-c, reboot):
     * the disconnect is the success. Returns once the command has been sent.
     */
    public void runExpectingDisconnect(String command) {
        try {
            Session s = client.startSession();
            s.exec(command);
            // no join: the host is going away; the caller reconnects explicitly
        } catch (IOException e) {
            // the link died while sending: the expected outcome
        }
    }

    public void upload(Path local, String remote) {
        try (SFTPClient sftp = client.newSFTPClient()) {
            sftp.put(local.toString(), remote);
        } catch (IOException e) {
            throw new InfrastructureException("ssh", "SFTP upload of " + local + " to " + endpoint.describe() + ":"
                    + remote + " failed: " + e.getMessage(), "check free space and permissions on the host", e);
        }
    }

    public SshEndpoint endpoint() {
        return endpoint;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the channel closed
        }
    }

    private static void closeQuietly(SSHClient c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closeQuietly(client);
    }
}
