package io.kdumplab.harness.lease;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * Who holds a host's claim, as written on the host: the orchestrator's machine
 * and user, the mode and run, since when and until when (the host's clock:
 * every orchestrator compares against the same clock), and the database lease
 * behind it, if any ("DATABASE/TOKEN").
 */
public record ClaimHolder(String token, String machine, String user, String mode, String run, String pid, String fence,
                          long since, long deadline) {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** From the claim file's key=value lines (with the given key prefix); null when there is no claim. */
    static ClaimHolder parse(Map<String, String> kv, String prefix) {
        String token = kv.get(prefix + "token");
        if (token == null || token.isBlank()) {
            return null;
        }
        return new ClaimHolder(token, kv.getOrDefault(prefix + "machine", "?"), kv.getOrDefault(prefix + "user", "?"),
                kv.getOrDefault(prefix + "mode", "?"), kv.getOrDefault(prefix + "run", "?"), kv.getOrDefault(prefix + "pid", "?"),
                kv.getOrDefault(prefix + "fence", "-"), number(kv.get(prefix + "since")), number(kv.get(prefix + "deadline")));
    }

    private static long number(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** "repro run 20261205-...-virtual-lab by root@orch-1 (pid 123) since ..., claimed until ..." */
    public String describe() {
        return mode + " run " + run + " by " + user + "@" + machine + " (pid " + pid + ") since "
                + TIME.format(Instant.ofEpochSecond(since)) + ", claimed until " + TIME.format(Instant.ofEpochSecond(deadline))
                + " (host clock)";
    }
}
