package io.kdumplab.harness.run;

import io.kdumplab.harness.device.Device;

/**
 * Where the host's reboot after this run's crash should go. The nightly engine points it at the next cell's kernel,
 * so the dump's own reboot (or the power cycle of a hang) is the kernel switch and no extra boot is paid. Armed by the
 * step after the readiness checks (whose reconfiguration may reboot the host), before the sysctls and the flood.
 */
@FunctionalInterface
public interface NextBoot {
    /** Leaves the host's boot as it is. */
    NextBoot UNCHANGED = device -> null;

    /**
     * Arms the host's next boot; quick (one remote command). A failure is not the run's: the caller's next cell boots
     * its kernel the ordinary way.
     *
     * @return what was armed, for the run log, or null when nothing was
     */
    String arm(Device device);
}
