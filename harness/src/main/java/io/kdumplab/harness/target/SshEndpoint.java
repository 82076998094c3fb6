package io.kdumplab.harness.target;

import io.kdumplab.harness.util.Secret;

import java.nio.file.Path;

/**
 * How to reach a host over SSH. The host key is pinned: either an OpenSSH
 * fingerprint ("SHA256:...") or a known_hosts file; nothing else is trusted.
 * Logins are by key; a BMC's SSH console may take a password instead (`password`, from the environment or a 0600
 * file), as OpenBMC's port 2200 and the iLO and iDRAC CLIs do.
 */
public record SshEndpoint(String host, int port, String user, Path privateKey, String hostKeyFingerprint,
                          Path knownHosts, Secret password) {
    /** A login by key. */
    public SshEndpoint(String host, int port, String user, Path privateKey, String hostKeyFingerprint, Path knownHosts) {
        this(host, port, user, privateKey, hostKeyFingerprint, knownHosts, null);
    }

    public String describe() {
        return user + "@" + host + ":" + port;
    }

    /** How it logs in, for hints: the key's path or where the password comes from. */
    public String credentials() {
        return privateKey != null ? "the key " + privateKey : "the password from " + password.source();
    }
}
