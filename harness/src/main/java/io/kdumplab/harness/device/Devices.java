package io.kdumplab.harness.device;

import io.kdumplab.harness.device.console.ConsoleCapture;
import io.kdumplab.harness.device.console.ConsoleConnector;
import io.kdumplab.harness.device.console.SerialConsoleConnector;
import io.kdumplab.harness.device.console.SolConsoleConnector;
import io.kdumplab.harness.device.console.TcpConsoleConnector;
import io.kdumplab.harness.device.ipmi.IpmiBmc;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.inventory.TargetHost;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;

/** The real drivers for an inventory host: sshj, ipmi-java (RMCP+), and its console (TCP, serial via jssc, or SOL). */
public final class Devices {
    private Devices() {}

    public static Device of(TargetHost host) {
        Device.ShellConnector shell = new Device.ShellConnector() {
            @Override
            public CommandShell connect(Deadline deadline) {
                return SshShell.connect(host.ssh(), deadline);
            }

            @Override
            public CommandShell probe(Duration timeout) {
                return SshShell.probe(host.ssh(), timeout);
            }
        };
        Device.BmcConnector bmc = () -> IpmiBmc.open(host.bmc());
        Device.ConsoleOpener console = (dir, log) -> new ConsoleCapture(connector(host, log), dir, log).start();
        return new Device(host.name(), new Device.Drivers(shell, bmc, console));
    }

    private static ConsoleConnector connector(TargetHost host, java.util.function.Consumer<String> log) {
        return switch (host.console().type()) {
            case TCP -> new TcpConsoleConnector(host.console().host(), host.console().port());
            case SERIAL -> new SerialConsoleConnector(host.console().device(), host.console().baud(), log::accept);
            case SOL -> new SolConsoleConnector(host.bmc(), log::accept);
        };
    }
}
