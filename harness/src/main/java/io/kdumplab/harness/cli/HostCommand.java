package io.kdumplab.harness.cli;

import io.kdumplab.harness.device.drivers.Devices;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.target.TargetHost;
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
        subcommands = {HostCommand.Status.class, HostCommand.Check.class})
final class HostCommand {
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Everything a run needs from a host, without a panic: SSH (pinned key, root or sudo), the "
                    + "distribution and its kdump tooling, the crash-kernel reservation against the memory, the capture kernel "
                    + "loaded, the dump target and its room, the console carrying a kernel-log marker, the BMC (power, an NMI "
                    + "on offer). Changes nothing on the host but one kernel-log line.",
                    "Exit 0 ready, 2 a configuration problem (with what to do), 125 something could not be reached."},
            footer = {"", "Examples:", "  ./harness.sh host check                       # the virtual lab's guest",
                    "  ./harness.sh host check r740-03 -i inventories/example-partner-lab.yaml --json"})
    static final class Check implements Callable<Integer> {
        @picocli.CommandLine.Mixin HostChoice choice = new HostChoice();
        @Option(names = "--json", description = "the checks as JSON, for tools")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Inventory inv = choice.inventory();
            String host = choice.host(inv);
            TargetHost target = inv.resolve(host, new VirtualLab(LabPaths.fromEnvironment(), m -> { }).running());
            io.kdumplab.harness.run.PlanCheck.verify(target, io.kdumplab.harness.run.Scenario.seed(), Duration.ofSeconds(60));
            Path scratch = java.nio.file.Files.createTempDirectory("host-check");
            io.kdumplab.harness.run.HostCheck.Report r;
            try (var device = Devices.of(target)) {
                r = io.kdumplab.harness.run.HostCheck.check(target, device, scratch);
            }
            if (json) {
                System.out.println(new com.fasterxml.jackson.databind.ObjectMapper()
                        .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
            } else {
                System.out.println("host " + r.host() + ":");
                for (var i : r.items()) {
                    System.out.printf("  %-26s %-11s %s%n", i.check(), i.status(), i.detail());
                    if (i.fix() != null) {
                        System.out.printf("  %-26s %-11s -> %s%n", "", "", i.fix());
                    }
                }
                System.out.println(r.ready() ? "ready for a run" : r.exitCode() == 2 ? "not ready: fix the problems above"
                        : "not ready: something could not be reached");
            }
            return r.exitCode();
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Who holds a host: the database lease (holder, since when, fencing token), who waits for it, "
                    + "and the claim on the host itself (read over SSH). Touches nothing."})
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Mixin HostChoice choice = new HostChoice();
        @Option(names = "--db", defaultValue = "${env:HARNESS_DB_URL}", description = "lease database (default: $HARNESS_DB_URL, "
                + "else the private cluster if it runs)")
        String db;

        @Override
        public Integer call() {
            Inventory inv = choice.inventory();
            String host = choice.host(inv);
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
