package io.kdumplab.harness.run;

/** One step of a run: its name, its timeout, when it ran, how long, how it ended. */
public final class StepRecord {
    public String name;
    public long timeoutSeconds;
    public String startedAt;
    public Long durationMillis;
    public String status = "running";
    public String detail;

    public StepRecord() {}

    public StepRecord(String name, long timeoutSeconds, String startedAt) {
        this.name = name;
        this.timeoutSeconds = timeoutSeconds;
        this.startedAt = startedAt;
    }
}
