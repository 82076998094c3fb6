package io.kdumplab.harness.lab;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.util.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Field faults the lab's Redfish service plays on request (seen on real BMCs: a busy BMC answering 503, a session
 * table that is full, a reset that reports success and does nothing, a BMC whose firmware offers no Nmi, a web server
 * that drops every connection without an answer, as a crash-looping one does). Kept in `redfish-faults.json` in the lab
 * directory, read on every request, so a test or a user switches them on a running lab.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RedfishFaults(int unavailable, Integer sessionLimit, boolean resetDoesNothing, boolean noNmi,
                            boolean dropsConnections) {
    static final String FILE = "redfish-faults.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final RedfishFaults NONE = new RedfishFaults(0, null, false, false, false);

    static RedfishFaults read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) {
            return NONE;
        }
        try {
            return JSON.readValue(f.toFile(), RedfishFaults.class);
        } catch (IOException e) {
            return NONE;
        }
    }

    public static void write(Path dir, RedfishFaults faults) {
        try {
            if (faults.equals(NONE)) {
                Files.deleteIfExists(dir.resolve(FILE));
            } else {
                AtomicFiles.write(dir.resolve(FILE), JSON.writeValueAsString(faults) + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts one request against the 503 burst; true while the burst lasts. */
    static synchronized boolean takeUnavailable(Path dir) {
        RedfishFaults f = read(dir);
        if (f.unavailable <= 0) {
            return false;
        }
        write(dir, new RedfishFaults(f.unavailable - 1, f.sessionLimit, f.resetDoesNothing, f.noNmi, f.dropsConnections));
        return true;
    }
}
