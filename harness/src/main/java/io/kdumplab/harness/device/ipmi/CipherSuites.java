package io.kdumplab.harness.device.ipmi;

import io.kdumplab.harness.failure.ConfigurationException;
import org.metricshub.ipmi.core.coding.security.CipherSuite;

import java.util.List;

/**
 * Which RMCP+ cipher suite to open a session with, as ipmitool decides it: from what the BMC lists ("Get Channel
 * Cipher Suites"), 17 (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128; what current BMCs keep after dropping SHA-1)
 * before 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128; what older BMCs such as iLO 4 offer), never 0 (no
 * authentication). An inventory's cipher_suite forces one.
 */
final class CipherSuites {
    static final int SHA256 = 17;
    static final int SHA1 = 3;

    /** The suite, and the sentence the preflight prints about it. */
    record Choice(int id, String why) {}

    private CipherSuites() {}

    /**
     * @param offered the suite ids the BMC lists, or null when it does not answer "Get Channel Cipher Suites"
     * @param forced  the inventory's cipher_suite, or null
     */
    static Choice choose(List<Integer> offered, Integer forced, String bmc) {
        if (offered == null && forced != null) {
            return new Choice(forced, "cipher suite " + forced + " (set in the inventory)");
        }
        if (offered == null) {
            return new Choice(SHA1, "cipher suite 3; the BMC does not list its suites before a session");
        }
        if (forced != null) {
            if (!offered.contains(forced)) {
                throw new ConfigurationException(bmc + " does not offer cipher suite " + forced + " (it offers " + offered + ")",
                        "set cipher_suite to one it offers (17 or 3), or leave it out to negotiate");
            }
            return new Choice(forced, "cipher suite " + forced + " (the inventory's; the BMC offers " + offered + ")");
        }
        for (int id : new int[] {SHA256, SHA1}) {
            if (offered.contains(id)) {
                return new Choice(id, "cipher suite " + id + " negotiated (the BMC offers " + offered + ")");
            }
        }
        throw new ConfigurationException(bmc + " offers cipher suites " + offered + "; the harness speaks 17 (RAKP-HMAC-SHA256, "
                + "HMAC-SHA256-128, AES-CBC-128) and 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128)",
                "enable suite 17 (or 3) on the BMC's LAN channel; suite 0 is never used");
    }

    /**
     * The algorithms of a suite the harness speaks, as IPMI 2.0 table 22-20 numbers them; ipmi-java's constructor takes
     * them as (id, authentication, confidentiality, integrity).
     */
    static CipherSuite of(int id) {
        return switch (id) {
            case SHA256 -> new CipherSuite((byte) 17, (byte) 3, (byte) 1, (byte) 4);
            case SHA1 -> new CipherSuite((byte) 3, (byte) 1, (byte) 1, (byte) 1);
            default -> throw new IllegalArgumentException("cipher suite " + id + " is not spoken here");
        };
    }

    /** Kg as ipmitool takes it: text (-k), or hex with a 0x prefix (-y). Null when the BMC uses none. */
    static byte[] kg(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.startsWith("0x") || value.startsWith("0X")) {
            return java.util.HexFormat.of().parseHex(value.substring(2));
        }
        return value.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
