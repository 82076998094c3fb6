package io.kdumplab.harness.inventory;

/**
 * Where an inventory entry with `lab: NAME` finds its endpoints. The caller
 * passes the policy (only a running lab, or start it when needed): resolving
 * an inventory never starts a lab by itself.
 */
public interface VirtualLabs {
    /** The endpoints of a lab instance as they are now. */
    /**
     * redfish: the lab's Redfish service (null for a lab started before it had one); dumpServer: its SSH dump server
     * while the lab's dump target is ssh (else null).
     */
    record Endpoints(SshEndpoint ssh, BmcEndpoint bmc, BmcEndpoint redfish, String serialDevice, int baud, String consoleHost,
                     int consolePort, HostWatch watch, SshEndpoint dumpServer) {}

    Endpoints endpoints(String labName);

    /** For inventories without lab entries. */
    VirtualLabs NONE = name -> {
        throw new io.kdumplab.harness.failure.ConfigurationException("the inventory names virtual lab '" + name
                + "' but no lab was offered here", "use an inventory of real hosts, or run through ./harness.sh");
    };
}
