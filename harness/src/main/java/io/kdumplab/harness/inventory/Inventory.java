package io.kdumplab.harness.inventory;

import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.target.ConsoleEndpoint;
import io.kdumplab.harness.target.HostWatch;

import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.util.Secret;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Turns inventory entries into {@link TargetHost}s; virtual-lab entries take their endpoints from the running lab. */
public final class Inventory {
    private final Path file;
    private final InventoryFile data;

    private Inventory(Path file, InventoryFile data) {
        this.file = file;
        this.data = data;
    }

    public static Inventory load(Path file) {
        return new Inventory(file, InventoryLoader.load(file));
    }

    /** The implicit inventory used when none is given: the virtual lab 'default', console over TCP. */
    public static Inventory virtualLab(String labName, String consoleType) {
        return new Inventory(Path.of("(built-in virtual lab inventory)"), new InventoryFile(List.of(
                new InventoryFile.Host("virtual-lab", labName, null, null,
                        new InventoryFile.Console(consoleType, null, null, null, null), "debian", null, null, null, List.of(), null, null))));
    }

    public List<String> hostNames() {
        return data.hosts().stream().map(InventoryFile.Host::name).toList();
    }

    /** The hosts carrying a tag, in inventory order. */
    public List<String> hostsTagged(String tag) {
        return data.hosts().stream().filter(h -> h.tags().contains(tag)).map(InventoryFile.Host::name).toList();
    }

    /** Every tag used in the inventory, sorted (for error messages). */
    public List<String> tags() {
        return data.hosts().stream().flatMap(h -> h.tags().stream()).distinct().sorted().toList();
    }

    public InventoryFile.Host entry(String name) {
        Optional<InventoryFile.Host> h = data.hosts().stream().filter(x -> x.name().equals(name)).findFirst();
        return h.orElseThrow(() -> new ConfigurationException("host '" + name + "' is not in " + file,
                "hosts there: " + String.join(", ", hostNames())));
    }

    /** Resolves a host; a `lab:` entry takes its endpoints from `labs` (which decides whether a lab may be started). */
    public TargetHost resolve(String name, VirtualLabs labs) {
        InventoryFile.Host h = entry(name);
        String crash = h.crashkernel() == null ? TargetHost.SEED_CRASHKERNEL : h.crashkernel();
        String dumpDir = h.dumpDir(); // null: the host's own kdump configuration says (read at preflight)
        InventoryFile.Console c = h.console() == null ? new InventoryFile.Console("sol", null, null, null, null) : h.console();
        if (h.lab() != null) {
            VirtualLabs.Endpoints s = labs.endpoints(h.lab());
            ConsoleEndpoint console = switch (c.type()) {
                case "serial" -> new ConsoleEndpoint(ConsoleEndpoint.Type.SERIAL, s.serialDevice(), s.baud(), null, 0);
                case "sol" -> new ConsoleEndpoint(ConsoleEndpoint.Type.SOL, null, s.baud(), null, 0);
                case "telnet" -> {
                    if (s.telnetPort() == 0) {
                        throw new ConfigurationException("virtual lab '" + h.lab() + "' has no telnet console server (ser2net "
                                + "is not installed, or the lab was started by an older harness)", "install ser2net "
                                + "(./setup-host.sh) and restart the lab: ./harness.sh lab down --name " + h.lab()
                                + " && ./harness.sh lab up --name " + h.lab());
                    }
                    yield new ConsoleEndpoint(ConsoleEndpoint.Type.TELNET, null, s.baud(), s.consoleHost(), s.telnetPort());
                }
                case "ssh" -> {
                    if (s.sshConsole() == null) {
                        throw new ConfigurationException("virtual lab '" + h.lab() + "' has no SSH console (sshd or socat is "
                                + "not installed, or the lab was started by an older harness)", "install openssh-server and "
                                + "socat (./setup-host.sh) and restart the lab: ./harness.sh lab down --name " + h.lab()
                                + " && ./harness.sh lab up --name " + h.lab());
                    }
                    yield ConsoleEndpoint.ssh(s.sshConsole(), null, s.baud());
                }
                default -> new ConsoleEndpoint(ConsoleEndpoint.Type.TCP, null, s.baud(), s.consoleHost(), s.consolePort());
            };
            return new TargetHost(h.name(), s.ssh(), labBmc(h, h.bmc(), s), console,
                    h.distro(), crash, dumpDir, h.lab(), h.kernel(), s.watch(), s.dumpServer(),
                    h.fallbackBmc() == null ? null : labBmc(h, h.fallbackBmc(), s));
        }
        SshEndpoint sshEp = ssh(h.ssh(), "root");
        BmcEndpoint bmcEp = bmc(h.bmc());
        ConsoleEndpoint console = switch (c.type()) {
            case "serial" -> new ConsoleEndpoint(ConsoleEndpoint.Type.SERIAL, c.device(), c.baud() == null ? 115200 : c.baud(), null, 0);
            case "tcp" -> new ConsoleEndpoint(ConsoleEndpoint.Type.TCP, null, c.baud() == null ? 115200 : c.baud(), c.host(), c.port());
            case "telnet" -> new ConsoleEndpoint(ConsoleEndpoint.Type.TELNET, null, c.baud() == null ? 115200 : c.baud(), c.host(),
                    c.port());
            case "ssh" -> ConsoleEndpoint.ssh(sshConsole(c), c.command(), c.baud() == null ? 115200 : c.baud());
            default -> new ConsoleEndpoint(ConsoleEndpoint.Type.SOL, null, c.baud() == null ? 115200 : c.baud(), null, 0);
        };
        return new TargetHost(h.name(), sshEp, bmcEp, console, h.distro(), crash, dumpDir, null, h.kernel(), HostWatch.NONE,
                h.dumpServer() == null ? null : ssh(h.dumpServer(), null), h.fallbackBmc() == null ? null : bmc(h.fallbackBmc()));
    }

    private static BmcEndpoint bmc(InventoryFile.Bmc b) {
        Secret pw = b.passwordEnv() != null ? Secret.fromEnv(b.passwordEnv()) : Secret.fromFile(expand(b.passwordFile()));
        BmcEndpoint.Protocol protocol = InventoryLoader.bmcProtocol(b.type());
        Secret kg = b.kgEnv() != null ? Secret.fromEnv(b.kgEnv()) : b.kgFile() != null ? Secret.fromFile(expand(b.kgFile())) : null;
        return new BmcEndpoint(b.host(), b.port() == null ? protocol.defaultPort() : b.port(), b.user(), pw,
                protocol, b.tlsFingerprint(), b.caFile() == null ? null : expand(b.caFile()), b.systemId(), b.cipherSuite(), kg);
    }

    /** A lab host's BMC of the type it names (the lab's IPMI BMC by default, or its Redfish service). */
    private static BmcEndpoint labBmc(InventoryFile.Host h, InventoryFile.Bmc b, VirtualLabs.Endpoints s) {
        if (b == null || InventoryLoader.bmcProtocol(b.type()) != BmcEndpoint.Protocol.REDFISH) {
            return s.bmc();
        }
        if (s.redfish() == null) {
            throw new ConfigurationException("virtual lab '" + h.lab() + "' has no Redfish service (it was started by an "
                    + "older harness)", "restart it: ./harness.sh lab down --name " + h.lab() + " && ./harness.sh lab up --name "
                    + h.lab());
        }
        return s.redfish();
    }

    /** A BMC's or console server's SSH console: a key, or a password from the environment or a file. */
    private static SshEndpoint sshConsole(InventoryFile.Console c) {
        Secret pw = c.passwordEnv() != null ? Secret.fromEnv(c.passwordEnv())
                : c.passwordFile() != null ? Secret.fromFile(expand(c.passwordFile())) : null;
        return new SshEndpoint(c.host(), c.port() == null ? 22 : c.port(), c.user(), c.key() == null ? null : expand(c.key()),
                c.hostKeyFingerprint(), c.knownHosts() == null ? null : expand(c.knownHosts()), pw);
    }

    private static SshEndpoint ssh(InventoryFile.Ssh ssh, String defaultUser) {
        return new SshEndpoint(ssh.host(), ssh.port() == null ? 22 : ssh.port(),
                ssh.user() == null ? defaultUser : ssh.user(), expand(ssh.key()), ssh.hostKeyFingerprint(),
                ssh.knownHosts() == null ? null : expand(ssh.knownHosts()));
    }

    private static Path expand(String p) {
        return p.startsWith("~/") ? Path.of(System.getProperty("user.home"), p.substring(2)) : Path.of(p);
    }

    public Path file() {
        return file;
    }
}
