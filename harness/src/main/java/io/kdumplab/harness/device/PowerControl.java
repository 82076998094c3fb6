package io.kdumplab.harness.device;


import java.time.Instant;

/** Chassis power of the device (through its BMC). */
public interface PowerControl {
    PowerState powerState();

    /** Power-cycles the device; returns when the BMC acknowledged, with the send time. */
    Instant powerCycle();
}
