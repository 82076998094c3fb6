package io.kdumplab.harness.device;

/** A BMC session: power and NMIs. Closed when the caller is done with it. */
public interface Bmc extends PowerControl, NmiSource, AutoCloseable {
    /** The BMC and its session, for the log: "BMC admin@10.0.0.5:623 (RMCP+, cipher suite 17 negotiated (the BMC offers [3, 17]))". */
    String describe();

    /** Why this BMC will not deliver an NMI to the host (it does not offer one), checked before a run touches anything. */
    default java.util.Optional<String> cannotSendNmi() {
        return java.util.Optional.empty();
    }

    /**
     * Where the BMC's event log ends now (the last record's id), to read what it logs after; empty when this BMC's log
     * is not read (then no entries are reported).
     */
    default java.util.OptionalInt eventLogMark() {
        return java.util.OptionalInt.empty();
    }

    /** The entries the BMC logged after the mark, oldest first (bounded: at most a few hundred). */
    default java.util.List<BmcEvent> eventsAfter(int mark) {
        return java.util.List.of();
    }

    /** When this BMC stands in for the host's preferred one, which failed: what failed and how (for the report). */
    default java.util.Optional<String> standingInFor() {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
