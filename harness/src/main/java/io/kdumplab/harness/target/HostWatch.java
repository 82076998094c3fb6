package io.kdumplab.harness.target;

import java.util.Optional;

/**
 * What the harness can see of a host's own machinery beside its endpoints; for a virtual lab, the processes that
 * are its BMC, serial line and machine. A run polls it: a machine that died is named at once, not discovered as
 * the timeout of whatever step was running.
 */
@FunctionalInterface
public interface HostWatch {
    /** Empty while everything runs; otherwise what died, in words. Cheap: called about once a second. */
    Optional<String> failure();

    /**
     * Something is missing that may be coming back (a lab's QEMU between power-off and power-on): a step that just
     * failed on the host asks again until this clears or {@link #failure} names what died, so the failure is put
     * down to the machine, not to the SSH link that went with it.
     */
    default boolean suspect() {
        return false;
    }

    /** A real server: nothing to watch beyond its endpoints. */
    HostWatch NONE = Optional::empty;
}
