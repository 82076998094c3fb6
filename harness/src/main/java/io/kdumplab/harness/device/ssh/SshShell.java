package io.kdumplab.harness.device.ssh;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.device.DriverState;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.wait.Deadline;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.keepalive.KeepAliveRunner;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.sftp.SFTPClient;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.method.AuthKeyboardInteractive;
import net.schmizz.sshj.userauth.method.AuthPassword;
import net.schmizz.sshj.userauth.method.PasswordResponseProvider;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.Resource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An authenticated SSH connection (sshj) with a verified host key, in sshj's
 * documented order: verifier, connect, auth, session, exec, read, join,
 * close, then exit status.
 *
 * Bounded: every command ends within its timeout. Output is pumped on its
 * own threads and the caller only waits for the channel's end, so a host that
 * freezes mid-command cannot hold the caller; on expiry the connection is cut
 * (a frozen peer would not answer a channel close either) and the shell is
 * marked broken. Keep-alives detect a silently dropped network within about
 * {@value #KEEPALIVE_SECONDS} x {@value #KEEPALIVE_MISSES} s.
 */
public final class SshShell implements CommandShell {
    static final int KEEPALIVE_SECONDS = 5;
    static final int KEEPALIVE_MISSES = 3;

    private final SshEndpoint endpoint;
    private final SSHClient client;
    private final DriverState state = new DriverState("SshShell", "ssh");

    private SshShell(SshEndpoint endpoint, SSHClient client) {
        this.endpoint = endpoint;
        this.client = client;
        state.opened();
    }

    /** Connects with one attempt bounded by `connectTimeout` (read timeout at least 30 s). */
    public static SshShell connect(SshEndpoint endpoint, Duration connectTimeout) {
        return attempt(endpoint, connectTimeout, Duration.ofMillis(Math.max(connectTimeout.toMillis(), 30_000)));
    }

    /**
     * Connects, retrying with backoff until the deadline: one slow banner or
     * key exchange from a busy sshd is not an infrastructure verdict. A wrong
     * host key or a refused login is not retried.
     */
    public static SshShell connect(SshEndpoint endpoint, Deadline deadline) {
        long backoffMs = 1000;
        InfrastructureException last = null;
        int attempts = 0;
        while (attempts == 0 || !deadline.expired()) {
            attempts++;
            Duration each = min(deadline.remaining(), Duration.ofSeconds(20));
            try {
                return attempt(endpoint, max(each, Duration.ofSeconds(2)), max(each, Duration.ofSeconds(2)));
            } catch (InfrastructureException e) {
                if (!(e.getCause() instanceof IOException) || e.getCause() instanceof UserAuthException
                        || e.getCause() instanceof TransportException t
                        && t.getDisconnectReason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE) {
                    throw e;
                }
                last = e;
            }
            long sleep = Math.min(backoffMs, deadline.remaining().toMillis());
            if (sleep <= 0) {
                break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(sleep));
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            backoffMs = Math.min(backoffMs * 2, 8000);
        }
        throw new InfrastructureException("ssh", "cannot reach " + endpoint.describe() + " within " + deadline.timeout().toSeconds()
                + " s (" + attempts + " attempts; last: " + (last == null ? "none" : last.getMessage()) + ")",
                last == null ? "" : last.hint(), last);
    }

    /**
     * For short probes ("is it up, which boot?"): a hung guest behind a NAT
     * port forward accepts TCP and then never sends its SSH banner, so the
     * read timeout, not the connect timeout, bounds the probe.
     */
    public static SshShell probe(SshEndpoint endpoint, Duration timeout) {
        return attempt(endpoint, timeout, timeout);
    }

    private static SshShell attempt(SshEndpoint endpoint, Duration connectTimeout, Duration readTimeout) {
        return new SshShell(endpoint, client(endpoint, connectTimeout, readTimeout));
    }

    /** A connected, authenticated client: host key pinned (fingerprint or known_hosts), key authentication. */
    static SSHClient client(SshEndpoint endpoint, Duration connectTimeout, Duration readTimeout) {
        DefaultConfig config = new DefaultConfig();
        config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
        SSHClient c = new SSHClient(config);
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
            c.connect(endpoint.host(), endpoint.port());
            if (c.getConnection().getKeepAlive() instanceof KeepAliveRunner runner) {
                runner.setKeepAliveInterval(KEEPALIVE_SECONDS);
                runner.setMaxAliveCount(KEEPALIVE_MISSES);
            }
            authenticate(c, endpoint);
            return c;
        } catch (TransportException e) {
            closeQuietly(c);
            if (e.getDisconnectReason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE) {
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

    /**
     * By key; or by password, offered both as "password" and as "keyboard-interactive" (BMC SSH servers differ in
     * which they take). The password is read here, at the login, and kept nowhere else.
     */
    private static void authenticate(SSHClient c, SshEndpoint endpoint) throws IOException {
        if (endpoint.privateKey() != null) {
            c.authPublickey(endpoint.user(), c.loadKeys(endpoint.privateKey().toString()));
            return;
        }
        char[] pw = endpoint.password().reveal().toCharArray();
        PasswordFinder finder = new PasswordFinder() {
            @Override
            public char[] reqPassword(Resource<?> resource) {
                return pw.clone();
            }

            @Override
            public boolean shouldRetry(Resource<?> resource) {
                return false;
            }
        };
        try {
            c.auth(endpoint.user(), new AuthPassword(finder), new AuthKeyboardInteractive(new PasswordResponseProvider(finder)));
        } finally {
            java.util.Arrays.fill(pw, '\0');
        }
    }

    private static InfrastructureException unreachable(SshEndpoint endpoint, Exception e) {
        return new InfrastructureException("ssh", "cannot reach " + endpoint.describe() + " ("
                + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                "check that the host is up, sshd runs and " + endpoint.credentials() + " is accepted there", e);
    }

    @Override
    public CommandResult run(String command, Duration timeout) {
        state.require("run");
        long end = System.nanoTime() + timeout.toNanos();
        Session s = null;
        try {
            s = client.startSession();
            Session.Command cmd = s.exec(command);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread outPump = pump(cmd.getInputStream(), out, "ssh-stdout");
            Thread errPump = pump(cmd.getErrorStream(), err, "ssh-stderr");
            // wait for the end of the output and of the channel, never past the deadline
            outPump.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            if (outPump.isAlive()) {
                throw timedOut(command, timeout);
            }
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            try {
                cmd.join(Math.max(1, left), TimeUnit.MILLISECONDS);
            } catch (IOException e) {
                if (cmd.getExitStatus() == null && System.nanoTime() >= end) {
                    throw timedOut(command, timeout);
                }
            }
            errPump.join(1000);
            Integer status = cmd.getExitStatus();
            if (status == null && System.nanoTime() >= end) {
                throw timedOut(command, timeout);
            }
            if (status == null) {
                // the channel ended without an exit status: the link died (keep-alive, reset), not the command
                state.broken("no exit status for '" + command + "'");
                throw new InfrastructureException("ssh", "'" + command + "' lost its connection on " + endpoint.describe()
                        + " before it finished (no exit status" + (client.isConnected() ? "" : "; the connection is down") + ")",
                        "check the host's state (is it still up?); a later step reconnects");
            }
            return new CommandResult(command, status, text(out), text(err));
        } catch (IOException e) {
            state.broken(e.getClass().getSimpleName() + ": " + e.getMessage());
            throw new InfrastructureException("ssh", "command failed on " + endpoint.describe() + ": " + command
                    + " (" + e.getMessage() + ")", "check the host's state (is it still up?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cut("interrupted");
            throw new InfrastructureException("ssh", "interrupted while running " + command + " on " + endpoint.describe(), "");
        } finally {
            if (s != null && state.state() == DriverState.State.OPEN) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // the channel is gone already
                }
            }
        }
    }

    private InfrastructureException timedOut(String command, Duration timeout) {
        cut("'" + command + "' timed out");
        return InfrastructureException.timeout("ssh", "'" + command + "' did not finish within " + timeout.toSeconds() + " s on "
                + endpoint.describe() + " (the host froze or the network dropped); the connection was cut",
                "check the host's console; a later step reconnects", null);
    }

    /** Cuts the connection without waiting for the peer (a frozen host answers nothing). */
    private void cut(String why) {
        state.broken(why);
        Thread t = new Thread(() -> closeQuietly(client), "ssh-cut");
        t.setDaemon(true);
        t.start();
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (sink) {
                        sink.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the channel closed
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void runExpectingDisconnect(String command) {
        state.require("runExpectingDisconnect");
        try {
            Session s = client.startSession();
            s.exec(command);
            // no join: the host is going away; the caller reconnects explicitly
        } catch (IOException e) {
            // the link died while sending: the expected outcome
        }
    }

    @Override
    public void upload(Path local, String remote) {
        state.require("upload");
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

    @Override
    public String describe() {
        return endpoint.describe();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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
        if (state.closed()) {
            closeQuietly(client);
        }
    }
}
