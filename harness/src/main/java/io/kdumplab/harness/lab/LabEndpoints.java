package io.kdumplab.harness.lab;

import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.drivers.Devices;
import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.util.Secret;

import java.nio.file.Path;

/**
 * A running lab as clients reach it, from its state: the guest's SSH, the IPMI BMC and the Redfish service, the
 * consoles and the dump server, each with its key or password file and its host key or certificate pinned, as an
 * inventory names a real server's.
 */
public final class LabEndpoints {
    private LabEndpoints() {}

    /** Everything the lab offers, as an inventory's resolved host needs it. */
    public static io.kdumplab.harness.inventory.VirtualLabs.Endpoints of(Path dir, LabState s) {
        return new io.kdumplab.harness.inventory.VirtualLabs.Endpoints(ssh(s), bmc(s), redfish(s),
                s.ptyLink(), s.baud(),
                s.host(), s.consolePort(), new LabWatch(dir, s), dumpServer(s), s.telnet() == null ? 0 : s.telnet().port(),
                sshConsole(s));
    }

    /** The lab's SSH console as an inventory would name it (its key, its host key pinned); null when it has none. */
    public static SshEndpoint sshConsole(LabState s) {
        LabState.SshConsole c = s.sshConsole();
        return c == null ? null : new SshEndpoint(s.host(), c.port(), c.user(), Path.of(c.key()), c.hostKeyFingerprint(),
                Path.of(c.knownHosts()));
    }

    /** How the harness reaches the lab's SSH dump server (its reading key, the server's host key pinned); null when none. */
    public static SshEndpoint dumpServer(LabState s) {
        LabState.DumpServer d = s.dumpServer();
        return d == null ? null : new SshEndpoint(s.host(), d.port(), d.user(), Path.of(d.key()), d.hostKeyFingerprint(),
                Path.of(d.knownHosts()));
    }

    /** The lab's guest as a device (its shell and BMC; the console is the lab's own): for the lab's probes and benches. */
    public static Device device(String name, LabState s) {
        return Devices.of(name, ssh(s), bmc(s));
    }

    /** The lab's Redfish service, with the lab BMC's account and the lab's certificate pinned; null when it has none. */
    public static BmcEndpoint redfish(LabState s) {
        return s.redfishPort() == 0 ? null : new BmcEndpoint(s.host(), s.redfishPort(), s.bmcUser(),
                Secret.fromFile(Path.of(s.bmcPasswordFile())), BmcEndpoint.Protocol.REDFISH, s.redfishFingerprint(), null, null);
    }

    /**
     * The lab's IPMI BMC, cipher suite 3 set: ipmi_sim does not answer "Get Channel Cipher Suites" before a session (it
     * offers 0-8 inside one, no SHA-256 suite), so asking would only cost every process a timeout.
     */
    public static BmcEndpoint bmc(LabState s) {
        return new BmcEndpoint(s.host(), s.bmcPort(), s.bmcUser(), Secret.fromFile(Path.of(s.bmcPasswordFile())),
                BmcEndpoint.Protocol.IPMI, null, null, null, 3, null);
    }

    public static SshEndpoint ssh(LabState s) {
        return new SshEndpoint(s.host(), s.sshPort(), s.sshUser(), Path.of(s.sshKey()), s.hostKeyFingerprint(),
                Path.of(s.knownHosts()));
    }
}
