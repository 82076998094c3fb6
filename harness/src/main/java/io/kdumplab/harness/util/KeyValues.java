package io.kdumplab.harness.util;

import java.util.HashMap;
import java.util.Map;

/** `key=value` lines, as a shell command prints them for the harness to read; other lines are ignored. */
public final class KeyValues {
    private KeyValues() {}

    public static Map<String, String> parse(String output) {
        Map<String, String> kv = new HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return kv;
    }
}
