package io.kdumplab.harness.nightly;

import java.time.Instant;

/** A host's health as the night store keeps it: healthy or not, why, and since when. */
public record HostHealth(boolean healthy, String reason, Instant since) {}
