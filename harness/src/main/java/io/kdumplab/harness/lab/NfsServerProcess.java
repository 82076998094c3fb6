package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.ProcessIdentity;
import io.kdumplab.harness.util.Processes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The lab's NFS dump server: an NFS-Ganesha of the lab's own (user space: this machine's kernel needs no nfsd), NFSv4
 * over TCP on the loopback at a port of its own, exporting one directory read-write to root (no_root_squash, as a dump
 * export must be). The guest reaches it at QEMU's host address with that port (its /etc/nfsmount.conf says so, as an
 * admin configures a server on another port), so the capture kernel mounts it as it would a filer.
 */
final class NfsServerProcess {
    static final String GANESHA = "/usr/bin/ganesha.nfsd";
    /** The export's NFSv4 path, as the guest mounts it (host:/crash). */
    static final String PSEUDO = "/crash";
    private static final Duration LISTEN = Duration.ofSeconds(30);

    private NfsServerProcess() {}

    static void requirePrerequisites() {
        if (!Files.isExecutable(Path.of(GANESHA)) || !Files.isDirectory(Path.of("/usr/lib/x86_64-linux-gnu/ganesha"))) {
            throw new ConfigurationException("the lab's NFS dump server needs NFS-Ganesha (" + GANESHA + " with its VFS backend)",
                    "apt-get install nfs-ganesha nfs-ganesha-vfs (or run ./setup-host.sh)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new ConfigurationException("the lab's NFS dump server serves files as root (the capture kernel writes as root)",
                    "run the lab as root, or keep the lab's dump target local");
        }
    }

    /** The directory the lab's share exports (on this machine). */
    static Path exportDir(String lab) {
        return Path.of("/var/lib/kdump-harness/nfs", lab);
    }

    static LabState start(Path labDir, LabState s, int port, Consumer<String> progress) {
        requirePrerequisites();
        Path dir = labDir.resolve("nfs-server");
        Path export = exportDir(s.name());
        try {
            Files.createDirectories(dir.resolve("recovery"));
            Files.createDirectories(export);
            Path config = dir.resolve("ganesha.conf");
            AtomicFiles.write(config, config(port, export, dir.resolve("recovery")));
            progress.accept("starting the NFS dump server (NFS-Ganesha, NFSv4/TCP) on " + VirtualLab.HOST + ":" + port
                    + ", exporting " + export + " as " + PSEUDO);
            Path log = dir.resolve("ganesha.log");
            long pid = Processes.startDetached(List.of(GANESHA, "-F", "-L", log.toString(), "-f", config.toString(),
                    "-p", dir.resolve("ganesha.pid").toString(), "-N", "NIV_EVENT"), dir.resolve("ganesha.out"), dir);
            ProcessIdentity id = ProcessStart.identity(pid, "NFS dump server (ganesha.nfsd)", log);
            ProcessStart.awaitListening(pid, "NFS dump server", "dump-server", port, log, LISTEN);
            return s.withNfsServer(new LabState.NfsServer(port, id.pid(), id.startTicks(), export.toString(), PSEUDO));
        } catch (IOException e) {
            throw new InfrastructureException("dump-server", "cannot prepare the lab's NFS dump server: " + e.getMessage(),
                    "check " + dir + " and " + export);
        }
    }

    /**
     * NFSv4 only (no rpcbind, NLM or rquota: the dump mount uses nolock), TCP only, without a grace period (a lab's
     * server restarts with the lab; nothing holds state across it), no Kerberos; the export writable by root.
     */
    static String config(int port, Path export, Path recovery) {
        return String.join("\n",
                "# the lab's NFS dump server; written by the harness at each start",
                "NFS_CORE_PARAM {",
                "    NFS_Port = " + port + ";",
                "    Bind_addr = " + VirtualLab.HOST + ";",
                "    Protocols = 4;",
                "    Enable_NLM = false;",
                "    Enable_RQUOTA = false;",
                "    Enable_UDP = false;",
                "}",
                "NFSV4 {",
                "    Graceless = true;",
                "    RecoveryBackend = fs;",
                "    RecoveryRoot = " + recovery + ";",
                "}",
                "NFS_KRB5 { Active_krb5 = false; }",
                "EXPORT {",
                "    Export_Id = 1;",
                "    Path = " + export + ";",
                "    Pseudo = " + PSEUDO + ";",
                "    Access_Type = RW;",
                "    Squash = No_Root_Squash;",
                "    SecType = sys;",
                "    Protocols = 4;",
                "    Transports = TCP;",
                "    FSAL { Name = VFS; }",
                "}",
                "LOG { Default_Log_Level = EVENT; }",
                "");
    }
}
