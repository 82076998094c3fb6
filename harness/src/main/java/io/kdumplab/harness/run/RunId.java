package io.kdumplab.harness.run;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Run ids: UTC time, host, and 48 random bits (2^48 values: collision-free in
 * practice for parallel runs on many hosts within the same second), so that
 * directories sort by time and name their host.
 */
public final class RunId {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private RunId() {}

    public static String next(String host, Instant now) {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        StringBuilder hex = new StringBuilder();
        for (byte x : b) {
            hex.append(String.format("%02x", x));
        }
        return STAMP.format(now) + "-" + host.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + hex;
    }
}
