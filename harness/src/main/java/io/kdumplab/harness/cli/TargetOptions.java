package io.kdumplab.harness.cli;

import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.lab.LabSpec;
import io.kdumplab.harness.lab.VirtualLab;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which host a command acts on: an inventory host, or the virtual lab. Shared by repro and bisect. */
public final class TargetOptions {
    @Option(names = {"-i", "--inventory"}, description = "inventory YAML (default: the virtual lab)")
    Path inventory;
    @Option(names = "--host", description = "host name in the inventory (default: the first)")
    String hostName;
    @Option(names = "--lab", defaultValue = LabSpec.DEFAULT_NAME, description = "virtual lab instance when no inventory is given (default: ${DEFAULT-VALUE})")
    String lab;
    @Option(names = "--console", description = "virtual lab console path: tcp (default), sol or serial")
    String console;

    TargetHost resolve(boolean quiet) {
        VirtualLab virtualLab = new VirtualLab(LabPaths.fromEnvironment(), m -> {
            if (!quiet) {
                System.err.println("[lab] " + m);
            }
        });
        Inventory inv = inventory != null ? Inventory.load(inventory)
                : Inventory.virtualLab(lab, console == null ? "tcp" : console);
        String name = hostName != null ? hostName : inv.hostNames().get(0);
        // the user asked for this host: a virtual lab it names is brought up when it is down
        return inv.resolve(name, virtualLab.startingIfNeeded());
    }
}
