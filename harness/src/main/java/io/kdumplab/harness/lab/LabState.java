package io.kdumplab.harness.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.ProcessIdentity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a running lab instance is made of, written atomically to its
 * directory when it comes up and removed when it goes down. Holds no secret:
 * only the path of the BMC password file.
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record LabState(String name, String host, int bmcPort, int sshPort, int consolePort, int vmPort,
                       long relayPid, long bmcPid, String bmcUser, String bmcPasswordFile,
                       String sshUser, String sshKey, String hostKeyFingerprint, String knownHosts,
                       String ptyLink, String consoleLog, String imageDir, String imageHash,
                       String kernel, String rtKernel, String accel, int baud, String startedAt,
                       String bootId, long relayStartTicks, long bmcStartTicks,
                       RedfishService redfishService, DumpServer dumpServer, TelnetConsole telnet, SshConsole sshConsole,
                       boolean ready, NfsServer nfsServer) {

    static final String FILE = "state.json";

    /** The lab's Redfish service (HTTPS, its own certificate); null: none (a lab started by an older harness). */
    public record RedfishService(int port, long pid, long startTicks, String fingerprint) {}

    /** The lab's SSH console (serial over SSH): its sshd, the login and key that attach to the line; null: none. */
    /** `passwordUser`/`passwordFile`: the password login (as BMCs take one), when setup-host.sh made its account. */
    public record SshConsole(int port, long pid, long startTicks, String user, String key, String hostKeyFingerprint,
                             String knownHosts, String passwordUser, String passwordFile) {}

    /** The lab's telnet/RFC 2217 console server (ser2net) in front of the serial line; null when ser2net is missing. */
    public record TelnetConsole(int port, long pid, long startTicks) {}

    /**
     * The lab's SSH dump server while the lab's dump target is `ssh` (null otherwise): its own sshd on the loopback,
     * which the guest reaches at QEMU's host address; dumps land in `coreDir` owned by `user`.
     */
    public record DumpServer(int port, long pid, long startTicks, String user, String coreDir, String key,
                             String hostKeyFingerprint, String knownHosts) {}

    /**
     * The lab's NFS dump server while the lab's dump target is `nfs` (null otherwise): NFS-Ganesha on the loopback at
     * `port`, exporting `exportDir` (on this machine) as `pseudo` (the path the guest mounts).
     */
    public record NfsServer(int port, long pid, long startTicks, String exportDir, String pseudo) {}

    /** The state with its optional components and readiness as given: the one copy (the rest is fixed at the start). */
    private LabState with(RedfishService r, DumpServer d, TelnetConsole t, SshConsole c, boolean isReady, NfsServer n) {
        return new LabState(name, host, bmcPort, sshPort, consolePort, vmPort, relayPid, bmcPid, bmcUser, bmcPasswordFile,
                sshUser, sshKey, hostKeyFingerprint, knownHosts, ptyLink, consoleLog, imageDir, imageHash, kernel, rtKernel, accel,
                baud, startedAt, bootId, relayStartTicks, bmcStartTicks, r, d, t, c, isReady, n);
    }

    private LabState with(RedfishService r, DumpServer d, TelnetConsole t, SshConsole c, boolean isReady) {
        return with(r, d, t, c, isReady, nfsServer);
    }

    LabState withNfsServer(NfsServer n) {
        return with(redfishService, dumpServer, telnet, sshConsole, ready, n);
    }

    /** The NFS dump server's ganesha.nfsd (only while it has one). */
    public ProcessIdentity nfsServerProcess() {
        return nfsServer == null ? identity(0, 0) : identity(nfsServer.pid(), nfsServer.startTicks());
    }

    LabState withRedfish(int port, long pid, long startTicks, String fingerprint) {
        return with(new RedfishService(port, pid, startTicks, fingerprint), dumpServer, telnet, sshConsole, ready);
    }

    LabState withDumpServer(DumpServer d) {
        return with(redfishService, d, telnet, sshConsole, ready);
    }

    LabState withTelnet(TelnetConsole t) {
        return with(redfishService, dumpServer, t, sshConsole, ready);
    }

    LabState withSshConsole(SshConsole c) {
        return with(redfishService, dumpServer, telnet, c, ready);
    }

    /**
     * The lab finished coming up (every process started, SSH and kdump ready). Until then, and forever when its start
     * was cut short (its process killed, an error), the lab is not up: its processes are left over, and the next
     * start cleans them up instead of running on a lab with parts missing.
     */
    LabState asReady() {
        return with(redfishService, dumpServer, telnet, sshConsole, true);
    }

    /** The Redfish service's port; 0 when the lab has none. */
    public int redfishPort() {
        return redfishService == null ? 0 : redfishService.port();
    }

    public long redfishPid() {
        return redfishService == null ? 0 : redfishService.pid();
    }

    public String redfishFingerprint() {
        return redfishService == null ? null : redfishService.fingerprint();
    }

    /** The console relay this state started (empty identity for a state written before identities were kept). */
    public ProcessIdentity relay() {
        return identity(relayPid, relayStartTicks);
    }

    public ProcessIdentity bmc() {
        return identity(bmcPid, bmcStartTicks);
    }

    /** The lab's Redfish service (pid 0: none). */
    public ProcessIdentity redfish() {
        return redfishService == null ? identity(0, 0) : identity(redfishService.pid(), redfishService.startTicks());
    }

    /** ser2net, while the lab has one. */
    public ProcessIdentity telnetProcess() {
        return telnet == null ? identity(0, 0) : identity(telnet.pid(), telnet.startTicks());
    }

    public ProcessIdentity sshConsoleProcess() {
        return sshConsole == null ? identity(0, 0) : identity(sshConsole.pid(), sshConsole.startTicks());
    }

    /** The dump server's sshd (only while it has one). */
    public ProcessIdentity dumpServerProcess() {
        return dumpServer == null ? identity(0, 0) : identity(dumpServer.pid(), dumpServer.startTicks());
    }

    private ProcessIdentity identity(long pid, long startTicks) {
        return new ProcessIdentity(pid, startTicks, bootId == null ? "" : bootId);
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public void save(Path labDir) {
        try {
            AtomicFiles.write(labDir.resolve(FILE), JSON.writeValueAsString(this) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Optional<LabState> load(Path labDir) {
        Path f = labDir.resolve(FILE);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(f.toFile());
            if (json.path("redfishPort").asInt() > 0 && !json.has("redfishService")) {
                // written by a harness that kept the Redfish service's fields flat: its process is still this lab's
                json.putObject("redfishService").put("port", json.path("redfishPort").asInt())
                        .put("pid", json.path("redfishPid").asLong()).put("startTicks", json.path("redfishStartTicks").asLong())
                        .put("fingerprint", json.path("redfishFingerprint").asText(null));
            }
            return Optional.of(JSON.treeToValue(json, LabState.class));
        } catch (ClassCastException e) {
            throw new UncheckedIOException("unreadable lab state " + f, new IOException("not a JSON object", e));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable lab state " + f, e);
        }
    }

    static void delete(Path labDir) {
        try {
            Files.deleteIfExists(labDir.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
