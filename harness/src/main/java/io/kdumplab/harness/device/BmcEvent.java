package io.kdumplab.harness.device;

/**
 * One entry of the BMC's event log (IPMI SEL): when the BMC stamped it, the sensor and what happened, as the BMC
 * recorded it ("Critical Interrupt #1: front panel NMI / diagnostic interrupt, asserted").
 */
public record BmcEvent(int recordId, String timestamp, String sensor, String event) {
    public String describe() {
        return "#" + recordId + " " + timestamp + " " + sensor + ": " + event;
    }
}
