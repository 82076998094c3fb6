package io.kdumplab.harness.target;

import io.kdumplab.harness.util.Secret;

import java.nio.file.Path;

/**
 * Where a BMC is, which protocol it speaks and how to log in to it. For Redfish, how its TLS certificate is trusted
 * (a pinned SHA-256 fingerprint, or a CA file; never trust-all) and, optionally, which system it manages. For IPMI,
 * a cipher suite the inventory forces (null: negotiated, 17 before 3) and the BMC key Kg (null: none).
 */
public record BmcEndpoint(String host, int port, String user, Secret password, Protocol protocol, String tlsFingerprint,
                          Path caFile, String systemId, Integer cipherSuite, Secret kg) {
    /** The BMC's management protocol; the device factory picks its driver from it. */
    public enum Protocol {
        /** IPMI 2.0 over LAN (RMCP+): chassis control, the diagnostic interrupt, SOL. */
        IPMI(623),
        /** DMTF Redfish over HTTPS: ComputerSystem.Reset (Nmi, PowerCycle), sessions. */
        REDFISH(443);

        private final int defaultPort;

        Protocol(int defaultPort) {
            this.defaultPort = defaultPort;
        }

        public int defaultPort() {
            return defaultPort;
        }
    }

    public BmcEndpoint {
        if (protocol == null) {
            protocol = Protocol.IPMI;
        }
    }

    /** An IPMI BMC (the default type), its cipher suite negotiated, no Kg. */
    public BmcEndpoint(String host, int port, String user, Secret password) {
        this(host, port, user, password, Protocol.IPMI, null, null, null, null, null);
    }

    /** Without IPMI session settings (a Redfish BMC, or an IPMI one with a negotiated suite and no Kg). */
    public BmcEndpoint(String host, int port, String user, Secret password, Protocol protocol, String tlsFingerprint,
                       Path caFile, String systemId) {
        this(host, port, user, password, protocol, tlsFingerprint, caFile, systemId, null, null);
    }

    public String describe() {
        return (protocol == Protocol.REDFISH ? "Redfish BMC " : "BMC ") + user + "@" + host + ":" + port;
    }
}
