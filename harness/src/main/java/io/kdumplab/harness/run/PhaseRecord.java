package io.kdumplab.harness.run;

/** A phase of the panic path seen on the console (or an event the harness caused), with its time. */
public final class PhaseRecord {
    public String phase;
    public String at;
    public Long consoleLine;
    public String text;

    public PhaseRecord() {}

    public PhaseRecord(String phase, String at, Long consoleLine, String text) {
        this.phase = phase;
        this.at = at;
        this.consoleLine = consoleLine;
        this.text = text;
    }
}
