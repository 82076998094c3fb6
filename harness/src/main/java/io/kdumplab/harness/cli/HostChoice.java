package io.kdumplab.harness.cli;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.lab.LabSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** Which host a `host` subcommand is about: a name in an inventory, or the virtual lab's guest. */
final class HostChoice {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "host name in the inventory (default: the first)")
    String name;
    @Option(names = {"-i", "--inventory"}, description = "inventory YAML (default: the virtual lab)")
    Path inventory;
    @Option(names = "--lab", defaultValue = LabSpec.DEFAULT_NAME, description = "virtual lab instance when no inventory is given")
    String lab;

    Inventory inventory() {
        return inventory != null ? Inventory.load(inventory) : Inventory.virtualLab(lab, "tcp");
    }

    /** The chosen host's name; an input error naming the hosts there when it is not in the inventory. */
    String host(Inventory inv) {
        String host = name != null ? name : inv.hostNames().get(0);
        if (!inv.hostNames().contains(host)) {
            throw new ConfigurationException("no host '" + host + "' in " + (inventory != null ? inventory : "the virtual lab"),
                    "hosts there: " + String.join(", ", inv.hostNames()));
        }
        return host;
    }
}
