package io.kdumplab.harness.run;

import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.wait.Clock;

import java.nio.file.Path;

/**
 * What every step of one run may use: the device (through its protocols),
 * the run's inputs, the recorder (the one writer of result.json), the log,
 * the clock, the cancel token and the undo log. Values a step produces for
 * the next are returned, not stored here.
 */
public record RunContext(TargetHost host, Scenario scenario, ReproRun.Options options, Path dir, Device device,
                         RunRecorder recorder, RunLog log, Clock clock, CancelToken cancel, UndoLog undo) {

    public void info(String msg) {
        log.info(msg);
    }

    /** Sleeps on the run's clock; ends early (with the interrupt flag set) when the step is interrupted. */
    public void sleep(long millis) {
        try {
            clock.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
