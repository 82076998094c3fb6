package io.kdumplab.harness.lab;

import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.util.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Where the lab's guest sends its dumps: `local` (its own /var/crash, the image's default), `ssh` (the lab's SSH dump
 * server, through kdump-tools' own SSH= setting, as an admin configures it) or `nfs` (the lab's NFS server, through
 * kdump-tools' NFS= setting). The choice lives in the lab directory and survives `lab down`/`lab up`; every `lab up`
 * re-applies it, since the servers' ports are chosen afresh.
 */
public final class LabDumpTarget {
    public enum Kind { LOCAL, SSH, NFS }

    static final String FILE = "dump-target";
    /** The name the guest knows the dump server by; its address and port are in the ssh client drop-in. */
    static final String ALIAS = "kdump-dumpsrv";
    /** QEMU's user network: the host, as the guest sees it (connections arrive on the host's loopback). */
    static final String HOST_FROM_GUEST = "10.0.2.2";
    static final String GUEST_KEY = "/root/.ssh/kdump_id_ed25519";
    static final String BEGIN = "# >>> kdump-harness lab dump target (set by: harness lab dump-target)";
    static final String END = "# <<< kdump-harness lab dump target";
    private static final String SSH_DROPIN = "/etc/ssh/ssh_config.d/kdump-harness-dump-server.conf";
    private static final String KNOWN_HOSTS = "/etc/ssh/kdump-harness-dump-server.known_hosts";
    private static final String NET_DROPIN = "/etc/systemd/system/kdump-tools-dump.service.d/kdump-harness-network.conf";
    private static final Duration CONFIGURE = Duration.ofSeconds(120);

    private LabDumpTarget() {}

    public static Kind parse(String s) {
        try {
            return Kind.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("unknown dump target '" + s + "'", "use 'ssh', 'nfs' or 'local'");
        }
    }

    static Kind chosen(Path labDir) {
        Path f = labDir.resolve(FILE);
        try {
            return Files.exists(f) ? parse(Files.readString(f).strip()) : Kind.LOCAL;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void choose(Path labDir, Kind kind) {
        AtomicFiles.write(labDir.resolve(FILE), kind.name().toLowerCase(Locale.ROOT) + "\n");
    }

    /**
     * Puts the running lab's guest on `kind`: for ssh, the lab's dump server (started when it is not running) and the
     * guest's kdump pointed at it; for local, the guest back on its own /var/crash and the server stopped.
     */
    static LabState apply(Path dir, LabState s, Kind kind, FreePorts ports, java.util.function.Consumer<String> progress) {
        io.kdumplab.harness.device.Device guest = LabEndpoints.device("dump target", s);
        try (guest) {
            guest.openShell(io.kdumplab.harness.wait.Deadline.in("SSH to the lab's guest", Duration.ofSeconds(60)));
            if (kind == Kind.LOCAL) {
                progress.accept("the guest's kdump writes to its own /var/crash again");
                configureLocal(guest.shell());
                s = stopSsh(stopNfs(s));
                s.save(dir);
                return s;
            }
            if (kind == Kind.NFS) {
                s = stopSsh(s);
                if (s.nfsServer() == null || s.nfsServerProcess().whyNotRunning(io.kdumplab.harness.util.ProcessIdentity.Proc.LINUX).isPresent()) {
                    s = NfsServerProcess.start(dir, s, ports.tcp("NFS dump server", 0), progress);
                    s.save(dir);
                }
                progress.accept("configuring the guest's kdump-tools to send dumps to " + HOST_FROM_GUEST + ":" + s.nfsServer().pseudo()
                        + " (NFSv4, port " + s.nfsServer().port() + "; " + s.nfsServer().exportDir() + " here)");
                configureNfs(guest.shell(), s.nfsServer());
                s.save(dir);
                return s;
            }
            s = stopNfs(s);
            if (s.dumpServer() == null || s.dumpServerProcess().whyNotRunning(io.kdumplab.harness.util.ProcessIdentity.Proc.LINUX).isPresent()) {
                s = DumpServerProcess.start(dir, s, ports.tcp("SSH dump server", 0), progress);
                s.save(dir);
            }
            String hostKeyLine;
            try {
                hostKeyLine = Files.readString(dir.resolve("dump-server/host_key.pub")).strip();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            progress.accept("configuring the guest's kdump-tools to send dumps to " + s.dumpServer().user() + "@"
                    + ALIAS + " (" + HOST_FROM_GUEST + ":" + s.dumpServer().port() + "):"
                    + s.dumpServer().coreDir());
            String guestKey = configureSsh(guest.shell(), s.dumpServer(), hostKeyLine);
            try {
                AtomicFiles.write(dir.resolve("dump-server/guest_key.pub"), guestKey + "\n");
                DumpServerProcess.writeAuthorizedKeys(dir, Path.of(s.dumpServer().coreDir()).getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return s;
        }
    }

    private static LabState stopSsh(LabState s) {
        if (s.dumpServer() != null) {
            s.dumpServerProcess().stopIfRunning(Duration.ofSeconds(5));
        }
        return s.withDumpServer(null);
    }

    private static LabState stopNfs(LabState s) {
        if (s.nfsServer() != null) {
            s.nfsServerProcess().stopIfRunning(Duration.ofSeconds(5));
        }
        return s.withNfsServer(null);
    }

    /**
     * The guest's side of an NFS target: the server's port in /etc/nfsmount.conf (the way to reach an NFS server on
     * another port: kdump-tools' mount takes no port), kdump-tools' NFS= in the marked block, and networking in the
     * capture kernel's boot, as for SSH.
     */
    static void configureNfs(CommandShell root, LabState.NfsServer n) {
        root.check(String.join("\n",
                "set -e",
                "command -v mount.nfs >/dev/null || { echo 'the guest image has no NFS client (mount.nfs): rebuild it with"
                        + " ./harness.sh lab image' >&2; exit 3; }",
                removeBlock("/etc/nfsmount.conf"),
                "cat >> /etc/nfsmount.conf <<'EOF'",
                BEGIN,
                "[ Server \"" + HOST_FROM_GUEST + "\" ]",
                "port=" + n.port(),
                "nfsvers=4",
                END,
                "EOF",
                networkDropIn(),
                removeBlock(),
                "cat >> /etc/default/kdump-tools <<'EOF'",
                BEGIN,
                "NFS=\"" + HOST_FROM_GUEST + ":" + n.pseudo() + "\"",
                "NFS_TIMEO=100",
                "NFS_RETRANS=3",
                END,
                "EOF",
                reload()), CONFIGURE);
    }

    /** The capture kernel's boot starts the dump unit alone: a network target needs the network up first. */
    private static String networkDropIn() {
        return String.join("\n",
                "mkdir -p " + NET_DROPIN.substring(0, NET_DROPIN.lastIndexOf('/')),
                "cat > " + NET_DROPIN + " <<'EOF'",
                "# written by the kdump harness: the capture kernel's boot starts kdump-tools-dump.service alone;",
                "# a network dump target needs the network up first",
                "[Unit]",
                "Wants=systemd-networkd.service",
                "After=systemd-networkd.service",
                "[Service]",
                "ExecStartPre=-/lib/systemd/systemd-networkd-wait-online --any --timeout=30",
                "EOF",
                "systemctl daemon-reload");
    }

    /**
     * The guest's side of an SSH target: its own kdump key, the dump server pinned by host key in an ssh client
     * drop-in, kdump-tools' SSH=/SSH_KEY=/KDUMP_COREDIR= in a marked block of /etc/default/kdump-tools, and networking
     * in the capture kernel's boot (the image masks systemd-networkd-wait-online and the dump unit starts alone).
     * Returns the guest's public key, for the server's authorized_keys.
     */
    static String configureSsh(CommandShell root, LabState.DumpServer d, String hostKeyLine) {
        String script = String.join("\n",
                "set -e",
                "install -d -m 700 /root/.ssh",
                "[ -f " + GUEST_KEY + " ] || ssh-keygen -q -t ed25519 -N '' -C kdump@lab-guest -f " + GUEST_KEY,
                "cat > " + SSH_DROPIN + " <<'EOF'",
                "# written by the kdump harness: the lab's SSH dump server",
                "Host " + ALIAS,
                "    HostName " + HOST_FROM_GUEST,
                "    Port " + d.port(),
                "    HostKeyAlias " + ALIAS,
                "    UserKnownHostsFile " + KNOWN_HOSTS,
                "    StrictHostKeyChecking yes",
                "    BatchMode yes",
                "    ConnectTimeout 10",
                "EOF",
                "printf '%s\\n' '" + ALIAS + " " + hostKeyLine + "' > " + KNOWN_HOSTS,
                networkDropIn(),
                removeBlock("/etc/nfsmount.conf"),
                removeBlock(),
                "cat >> /etc/default/kdump-tools <<'EOF'",
                BEGIN,
                "SSH=\"" + d.user() + "@" + ALIAS + "\"",
                "SSH_KEY=" + GUEST_KEY,
                "KDUMP_COREDIR=\"" + d.coreDir() + "\"",
                "SSH_KDUMP_RETRY=5",
                END,
                "EOF",
                reload(),
                "cat " + GUEST_KEY + ".pub");
        String out = root.check(script, CONFIGURE);
        return out.lines().filter(l -> l.startsWith("ssh-")).reduce((a, b) -> b).orElseThrow(() ->
                new IllegalStateException("the guest printed no public key: " + out));
    }

    /** Back to the image's own setting (dumps in the guest's /var/crash); the guest keeps its key. */
    static void configureLocal(CommandShell root) {
        root.check(String.join("\n", "set -e", removeBlock(), removeBlock("/etc/nfsmount.conf"),
                "rm -f " + SSH_DROPIN + " " + KNOWN_HOSTS + " " + NET_DROPIN, "systemctl daemon-reload", reload()), CONFIGURE);
    }

    static String removeBlock() {
        return removeBlock("/etc/default/kdump-tools");
    }

    static String removeBlock(String file) {
        // both markers are plain text for sed (no '/', '.', '*' or brackets); a file that is not there has no block
        return "if [ -f " + file + " ]; then sed -i '/^" + BEGIN + "$/,/^" + END + "$/d' " + file + "; fi";
    }

    private static String reload() {
        return "kdump-config unload >/dev/null 2>&1 || true; kdump-config load >/dev/null";
    }
}
