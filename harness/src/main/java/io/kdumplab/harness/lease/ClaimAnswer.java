package io.kdumplab.harness.lease;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What claim.sh printed: its status line, the claim file's key=value lines (prefixed holder. or old.), and the
 * host's clock at that moment, with this machine's monotonic time on receipt, so that the holder's deadline
 * (host clock) can be placed on this machine's clock.
 */
record ClaimAnswer(String status, Map<String, String> kv, ClaimHolder holder, long nowHost, long receivedNanos, String raw) {
    /** Null when the output has no status line (the script did not run). */
    static ClaimAnswer parse(String stdout, long receivedNanos) {
        Map<String, String> kv = new HashMap<>();
        String status = "";
        for (String line : stdout.split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = line.substring(0, eq);
            String v = line.substring(eq + 1);
            if (k.equals("status")) {
                status = v;
            } else {
                kv.put(k, v);
            }
        }
        if (status.isEmpty()) {
            return null;
        }
        return new ClaimAnswer(status, kv, ClaimHolder.parse(kv, "holder."), number(kv.get("now")), receivedNanos, stdout);
    }

    private static long number(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** This machine's System.nanoTime() at a moment of the host's clock. */
    long localNanosOf(long hostEpochSeconds) {
        return receivedNanos + TimeUnit.SECONDS.toNanos(hostEpochSeconds - nowHost);
    }
}
