package io.kdumplab.harness.run;

import java.time.Instant;

/** The moment of the trigger, as later steps need it: which boot, the guest's clock, where the console stood. */
public record TriggerPoint(String bootIdBefore, long guestClockSeconds, int consoleLine, Instant at, long nanos, long cpuNanos) {}
