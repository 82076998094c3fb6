package io.kdumplab.harness.device.drivers;

import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.device.Device;

import io.kdumplab.harness.device.console.ConsoleCapture;
import io.kdumplab.harness.device.console.ConsoleConnector;
import io.kdumplab.harness.device.console.SerialConsoleConnector;
import io.kdumplab.harness.device.ipmi.SolConsoleConnector;
import io.kdumplab.harness.device.console.TcpConsoleConnector;
import io.kdumplab.harness.device.distro.Distros;
import io.kdumplab.harness.device.ipmi.IpmiBmc;
import io.kdumplab.harness.device.redfish.RedfishBmc;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;

/** The real drivers for an inventory host: sshj, ipmi-java (RMCP+), and its console (TCP, serial via jssc, or SOL). */
public final class Devices {
    private Devices() {}

    public static Device of(TargetHost host) {
        Device.ConsoleOpener console = (dir, log) -> new ConsoleCapture(connector(host, log), dir, log).start();
        return new Device(host.name(), new Device.Drivers(shell(host.ssh()), bmc(host.bmc(), host.fallbackBmc()), console,
                Distros.declaredOr(host.distro())));
    }

    /** A host known by its SSH and BMC endpoints only (the virtual lab's own probes and benches): no console. */
    public static Device of(String name, SshEndpoint ssh, BmcEndpoint bmc) {
        Device.ConsoleOpener none = (dir, log) -> {
            throw new IllegalStateException("Device(" + name + ") was opened without a console");
        };
        return new Device(name, new Device.Drivers(shell(ssh), bmc(bmc), none, Distros.declaredOr(null)));
    }

    /** A shell on another machine than a device under test (a dump server), host key pinned as for any host. */
    public static CommandShell shellTo(SshEndpoint ssh, Deadline deadline) {
        return SshShell.connect(ssh, deadline);
    }

    private static Device.ShellConnector shell(SshEndpoint ssh) {
        return new Device.ShellConnector() {
            @Override
            public CommandShell connect(Deadline deadline) {
                return SshShell.connect(ssh, deadline);
            }

            @Override
            public CommandShell probe(Duration timeout) {
                return SshShell.probe(ssh, timeout);
            }
        };
    }

    /**
     * The preferred BMC, or the host's second one once the preferred could not be reached (it is not asked again for
     * the life of the device: a run does not pay its timeouts at every step). A configuration problem of the
     * preferred one (a certificate that does not match its pin) is reported, never covered by the other.
     */
    private static Device.BmcConnector bmc(BmcEndpoint preferred, BmcEndpoint fallback) {
        return fallback == null ? bmc(preferred) : withFallback(bmc(preferred), bmc(fallback), preferred.describe(),
                fallback.describe());
    }

    static Device.BmcConnector withFallback(Device.BmcConnector first, Device.BmcConnector second, String preferred,
                                            String fallback) {
        java.util.concurrent.atomic.AtomicReference<String> failed = new java.util.concurrent.atomic.AtomicReference<>();
        return () -> {
            if (failed.get() == null) {
                try {
                    return first.open();
                } catch (io.kdumplab.harness.failure.ConfigurationException e) {
                    throw e;
                } catch (io.kdumplab.harness.failure.InfrastructureException e) {
                    failed.set(e.getMessage());
                }
            }
            return new FallbackBmc(second.open(), "the preferred " + preferred + " could not be reached ("
                    + failed.get() + "); using " + fallback);
        };
    }

    /** The one place a BMC protocol picks its driver. */
    private static Device.BmcConnector bmc(BmcEndpoint bmc) {
        return switch (bmc.protocol()) {
            case IPMI -> () -> IpmiBmc.open(bmc);
            case REDFISH -> () -> RedfishBmc.open(bmc);
        };
    }

    private static ConsoleConnector connector(TargetHost host, java.util.function.Consumer<String> log) {
        return switch (host.console().type()) {
            case TCP -> new TcpConsoleConnector(host.console().host(), host.console().port());
            case TELNET -> new io.kdumplab.harness.device.console.TelnetConsoleConnector(host.console().host(),
                    host.console().port(), host.console().baud(), log::accept);
            case SSH -> new io.kdumplab.harness.device.ssh.SshConsoleConnector(host.console().ssh(), host.console().command());
            case SERIAL -> new SerialConsoleConnector(host.console().device(), host.console().baud(), log::accept);
            case SOL -> new SolConsoleConnector(host.bmc(), log::accept);
        };
    }
}
