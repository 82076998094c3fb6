package io.kdumplab.harness.inventory;

import io.kdumplab.harness.target.SshEndpoint;
import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.target.HostWatch;

/**
 * Where an inventory entry with `lab: NAME` finds its endpoints. The caller
 * passes the policy (only a running lab, or start it when needed): resolving
 * an inventory never starts a lab by itself.
 */
public interface VirtualLabs {
    /** The endpoints of a lab instance as they are now. */
    /**
     * redfish: the lab's Redfish service (null for a lab started before it had one); dumpServer: its SSH dump server
     * while the lab's dump target is ssh (else null); telnetPort: its telnet/RFC 2217 console server (0: none);
     * sshConsole: its SSH console port, where the login attaches to the serial line (null: none).
     */
    record Endpoints(SshEndpoint ssh, BmcEndpoint bmc, BmcEndpoint redfish, String serialDevice, int baud, String consoleHost,
                     int consolePort, HostWatch watch, SshEndpoint dumpServer, int telnetPort, SshEndpoint sshConsole) {}

    Endpoints endpoints(String labName);

    /** For inventories without lab entries. */
    VirtualLabs NONE = name -> {
        throw new io.kdumplab.harness.failure.ConfigurationException("the inventory names virtual lab '" + name
                + "' but no lab was offered here", "use an inventory of real hosts, or run through ./harness.sh");
    };
}
