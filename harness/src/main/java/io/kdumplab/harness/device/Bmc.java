package io.kdumplab.harness.device;

/** A BMC session: power and NMIs. Closed when the caller is done with it. */
public interface Bmc extends PowerControl, NmiSource, AutoCloseable {
    /** The BMC and its session, for the log: "BMC admin@10.0.0.5:623 (RMCP+, cipher suite 17 negotiated (the BMC offers [3, 17]))". */
    String describe();

    /** Why this BMC will not deliver an NMI to the host (it does not offer one), checked before a run touches anything. */
    default java.util.Optional<String> cannotSendNmi() {
        return java.util.Optional.empty();
    }

    /** When this BMC stands in for the host's preferred one, which failed: what failed and how (for the report). */
    default java.util.Optional<String> standingInFor() {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
