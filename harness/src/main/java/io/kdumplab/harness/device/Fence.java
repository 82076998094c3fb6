package io.kdumplab.harness.device;

import java.time.Duration;
import java.util.List;

/**
 * Checked right before every destructive action on the host (an NMI, a
 * sysrq-c, a power cycle, a kernel install or boot entry). An orchestrator
 * that lost its hold on the host (its database lease, or the claim on the
 * host itself) must not act on a host someone else now holds: the check
 * throws a CancelledException, and the run ends INCOMPLETE without acting.
 */
@FunctionalInterface
public interface Fence {
    Fence NONE = action -> { };

    /** Throws CancelledException when the caller no longer holds the host. */
    void check(String action);

    /**
     * Before an action that takes the host away for up to `outage` (the crash and its reboot, a power cycle): checks,
     * and makes the hold outlast the outage, during which it cannot be renewed.
     */
    default void beforeOutage(String action, Duration outage) {
        check(action);
    }

    /**
     * Before recovering a host that does not answer (a power cycle of a hung or dead host): what can be checked
     * without the host, at once (the recovery must not wait for SSH timeouts).
     */
    default void beforeRecovery(String action, Duration outage) {
        check(action);
    }

    /**
     * Says which run the hold is for from now on (status pages show it beside the holder: its current step and live
     * console). Best effort: never fails the run.
     */
    default void announce(String runId, java.nio.file.Path runDir) {
    }

    /** All of them, in order (the database lease first, then the claim on the host). */
    static Fence all(List<Fence> fences) {
        List<Fence> copy = List.copyOf(fences);
        return new Fence() {
            @Override
            public void check(String action) {
                copy.forEach(f -> f.check(action));
            }

            @Override
            public void beforeOutage(String action, Duration outage) {
                copy.forEach(f -> f.beforeOutage(action, outage));
            }

            @Override
            public void beforeRecovery(String action, Duration outage) {
                copy.forEach(f -> f.beforeRecovery(action, outage));
            }

            @Override
            public void announce(String runId, java.nio.file.Path runDir) {
                copy.forEach(f -> f.announce(runId, runDir));
            }
        };
    }
}
