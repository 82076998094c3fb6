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
                       int redfishPort, long redfishPid, long redfishStartTicks, String redfishFingerprint,
                       DumpServer dumpServer, TelnetConsole telnet, SshConsole sshConsole, boolean ready) {

    /** The lab's SSH console (serial over SSH): its sshd, the login and key that attach to the line; null: none. */
    /** `passwordUser`/`passwordFile`: the password login (as BMCs take one), when setup-host.sh made its account. */
    public record SshConsole(int port, long pid, long startTicks, String user, String key, String hostKeyFingerprint,
                             String knownHosts, String passwordUser, String passwordFile) {}

    public ProcessIdentity sshConsoleProcess() {
        return new ProcessIdentity(sshConsole == null ? 0 : sshConsole.pid(), sshConsole == null ? 0 : sshConsole.startTicks(),
                bootId == null ? "" : bootId);
    }

    LabState withSshConsole(SshConsole c) {
        return new LabState(name, host, bmcPort, sshPort, consolePort, vmPort, relayPid, bmcPid, bmcUser, bmcPasswordFile,
                sshUser, sshKey, hostKeyFingerprint, knownHosts, ptyLink, consoleLog, imageDir, imageHash, kernel, rtKernel, accel,
                baud, startedAt, bootId, relayStartTicks, bmcStartTicks, redfishPort, redfishPid, redfishStartTicks,
                redfishFingerprint, dumpServer, telnet, c, ready);
    }

    /** The lab's telnet/RFC 2217 console server (ser2net) in front of the serial line; null when ser2net is missing. */
    public record TelnetConsole(int port, long pid, long startTicks) {}

    /** ser2net, while the lab has one. */
    public ProcessIdentity telnetProcess() {
        return new ProcessIdentity(telnet == null ? 0 : telnet.pid(), telnet == null ? 0 : telnet.startTicks(),
                bootId == null ? "" : bootId);
    }

    LabState withTelnet(TelnetConsole t) {
        return new LabState(name, host, bmcPort, sshPort, consolePort, vmPort, relayPid, bmcPid, bmcUser, bmcPasswordFile,
                sshUser, sshKey, hostKeyFingerprint, knownHosts, ptyLink, consoleLog, imageDir, imageHash, kernel, rtKernel, accel,
                baud, startedAt, bootId, relayStartTicks, bmcStartTicks, redfishPort, redfishPid, redfishStartTicks,
                redfishFingerprint, dumpServer, t, sshConsole, ready);
    }

    /**
     * The lab's SSH dump server while the lab's dump target is `ssh` (null otherwise): its own sshd on the loopback,
     * which the guest reaches at QEMU's host address; dumps land in `coreDir` owned by `user`.
     */
    public record DumpServer(int port, long pid, long startTicks, String user, String coreDir, String key,
                             String hostKeyFingerprint, String knownHosts) {}

    /** The dump server's sshd (only while it has one). */
    public ProcessIdentity dumpServerProcess() {
        return new ProcessIdentity(dumpServer == null ? 0 : dumpServer.pid(), dumpServer == null ? 0 : dumpServer.startTicks(),
                bootId == null ? "" : bootId);
    }

    /**
     * The lab finished coming up (every process started, SSH and kdump ready). Until then, and forever when its start
     * was cut short (its process killed, an error), the lab is not up: its processes are left over, and the next
     * start cleans them up instead of running on a lab with parts missing.
     */
    LabState asReady() {
        return new LabState(name, host, bmcPort, sshPort, consolePort, vmPort, relayPid, bmcPid, bmcUser, bmcPasswordFile,
                sshUser, sshKey, hostKeyFingerprint, knownHosts, ptyLink, consoleLog, imageDir, imageHash, kernel, rtKernel, accel,
                baud, startedAt, bootId, relayStartTicks, bmcStartTicks, redfishPort, redfishPid, redfishStartTicks,
                redfishFingerprint, dumpServer, telnet, sshConsole, true);
    }

    LabState withDumpServer(DumpServer d) {
        return new LabState(name, host, bmcPort, sshPort, consolePort, vmPort, relayPid, bmcPid, bmcUser, bmcPasswordFile,
                sshUser, sshKey, hostKeyFingerprint, knownHosts, ptyLink, consoleLog, imageDir, imageHash, kernel, rtKernel, accel,
                baud, startedAt, bootId, relayStartTicks, bmcStartTicks, redfishPort, redfishPid, redfishStartTicks,
                redfishFingerprint, d, telnet, sshConsole, ready);
    }

    static final String FILE = "state.json";

    /** The console relay this state started (empty identity for a state written before identities were kept). */
    public ProcessIdentity relay() {
        return new ProcessIdentity(relayPid, relayStartTicks, bootId == null ? "" : bootId);
    }

    /** The lab's Redfish service (pid 0: a state written before the lab had one). */
    public ProcessIdentity redfish() {
        return new ProcessIdentity(redfishPid, redfishStartTicks, bootId == null ? "" : bootId);
    }

    LabState withRedfish(int port, long pid, long startTicks, String fingerprint) {
        return new LabState(name, host, bmcPort, sshPort, consolePort, vmPort, relayPid, bmcPid, bmcUser, bmcPasswordFile,
                sshUser, sshKey, hostKeyFingerprint, knownHosts, ptyLink, consoleLog, imageDir, imageHash, kernel, rtKernel, accel,
                baud, startedAt, bootId, relayStartTicks, bmcStartTicks, port, pid, startTicks, fingerprint, dumpServer, telnet,
                sshConsole, ready);
    }

    public ProcessIdentity bmc() {
        return new ProcessIdentity(bmcPid, bmcStartTicks, bootId == null ? "" : bootId);
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
            return Optional.of(JSON.readValue(f.toFile(), LabState.class));
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
