package io.kdumplab.harness.cli;

import io.kdumplab.harness.device.drivers.Devices;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.inventory.TargetHost;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.lab.LabSpec;
import io.kdumplab.harness.lab.VirtualLab;
import io.kdumplab.harness.lease.ClaimHolder;
import io.kdumplab.harness.lease.HostClaim;
import io.kdumplab.harness.lease.HostLeases;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.store.PrivateCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "host", mixinStandardHelpOptions = true, description = "What the harness knows about a host.",
        subcommands = {HostCommand.Status.class})
final class HostCommand {
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Who holds a host: the database lease (holder, since when, fencing token), who waits for it, "
                    + "and the claim on the host itself (read over SSH). Touches nothing."})
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "host name in the inventory (default: the first)")
        String name;
        @Option(names = {"-i", "--inventory"}, description = "inventory YAML (default: the virtual lab)")
        Path inventory;
        @Option(names = "--lab", defaultValue = LabSpec.DEFAULT_NAME, description = "virtual lab instance when no inventory is given")
        String lab;
        @Option(names = "--db", defaultValue = "${env:HARNESS_DB_URL}", description = "lease database (default: $HARNESS_DB_URL, "
                + "else the private cluster if it runs)")
        String db;

        @Override
        public Integer call() {
            Inventory inv = inventory != null ? Inventory.load(inventory) : Inventory.virtualLab(lab, "tcp");
            String host = name != null ? name : inv.hostNames().get(0);
            if (!inv.hostNames().contains(host)) {
                throw new io.kdumplab.harness.failure.ConfigurationException("no host '" + host + "' in "
                        + (inventory != null ? inventory : "the virtual lab"), "hosts there: " + String.join(", ", inv.hostNames()));
            }
            System.out.println("host " + host + ":");
            System.out.println("  lease  : " + leaseLine(host));
            // a status command starts nothing: a virtual lab that is down is said to be down
            String claim;
            try {
                TargetHost target = inv.resolve(host, new VirtualLab(LabPaths.fromEnvironment(), m -> { }).running());
                ClaimHolder h = HostClaim.holderOf(Devices.of(target), Duration.ofSeconds(15));
                claim = h == null ? "free" : h.describe();
            } catch (HarnessException e) {
                claim = "cannot read it: " + e.getMessage();
            }
            System.out.println("  claim  : " + claim);
            return ExitCodes.OK;
        }

        private String leaseLine(String host) {
            boolean configured = db != null && !db.isBlank();
            if (!configured && !PrivateCluster.local().isRunning()) {
                return "no lease database running on this machine (nobody here holds " + host + " through one)";
            }
            try (Database database = Database.open(configured ? db : null, 1);
                 HostLeases leases = new HostLeases(database, Duration.ofSeconds(30))) {
                String holder = leases.holderOf(host);
                List<String> queue = leases.queueOf(host);
                StringBuilder sb = new StringBuilder(holder == null ? "free" : "held by " + holder);
                sb.append(" [").append(database.describe()).append("]");
                for (int i = 0; i < queue.size(); i++) {
                    sb.append("\n  queue ").append(i + 1).append(": ").append(queue.get(i));
                }
                return sb.toString();
            } catch (HarnessException e) {
                return "cannot read it: " + e.getMessage();
            }
        }
    }
}
