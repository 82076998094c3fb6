package io.kdumplab.harness.device;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Raises NMIs on the device from outside (a BMC's "pulse diagnostic interrupt"). */
public interface NmiSource {
    /** `count` NMIs, `spacing` apart from send to send; returns the send times. Never retried: a resend is another NMI. */
    List<Instant> nmiBurst(int count, Duration spacing);
}
