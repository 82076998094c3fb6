package io.kdumplab.harness.inventory;

import java.nio.file.Path;

/**
 * How to reach a host over SSH. The host key is pinned: either an OpenSSH
 * fingerprint ("SHA256:...") or a known_hosts file; nothing else is trusted.
 */
public record SshEndpoint(String host, int port, String user, Path privateKey, String hostKeyFingerprint,
                          Path knownHosts) {
    public String describe() {
        return user + "@" + host + ":" + port;
    }
}
