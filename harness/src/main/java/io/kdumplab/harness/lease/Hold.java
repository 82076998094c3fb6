package io.kdumplab.harness.lease;

import io.kdumplab.harness.device.Fence;

/** A hold on a host that its holder gives back: checked like any fence, released by close(). */
public interface Hold extends Fence, AutoCloseable {
    @Override
    void close();

    /** A hold with nothing to give back on top of `fence` (simulated hosts: the database lease is all there is). */
    static Hold of(Fence fence) {
        return new Hold() {
            @Override
            public void check(String action) {
                fence.check(action);
            }

            @Override
            public void beforeOutage(String action, java.time.Duration outage) {
                fence.beforeOutage(action, outage);
            }

            @Override
            public void beforeRecovery(String action, java.time.Duration outage) {
                fence.beforeRecovery(action, outage);
            }

            @Override
            public void announce(String runId, java.nio.file.Path runDir) {
                fence.announce(runId, runDir);
            }

            @Override
            public void close() {
            }
        };
    }
}
