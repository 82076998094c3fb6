package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;
import java.time.Instant;

/** Getting the host back: waiting for SSH with a new boot, power-cycling through the BMC, rebooting on purpose. */
final class HostRecovery {
    private HostRecovery() {}

    /** Waits until SSH answers with a boot id other than `oldBootId`, then reconnects the run's shell. */
    static boolean awaitSshBack(RunContext ctx, Deadline d, String oldBootId) {
        return awaitSshBack(ctx, d, oldBootId, java.util.Optional::empty);
    }

    /**
     * As above; `giveUp` is asked first on every poll: when it has an error (the console showed the host dying)
     * the wait ends at once by throwing it.
     */
    static boolean awaitSshBack(RunContext ctx, Deadline d, String oldBootId,
                                java.util.function.Supplier<java.util.Optional<? extends RuntimeException>> giveUp) {
        if (!ctx.device().awaitNewBoot(oldBootId, d, giveUp)) {
            return false;
        }
        ctx.undo().rebooted();
        ctx.recorder().event(Phase.SSH_BACK, Instant.now(), "SSH answers with a new boot id");
        ctx.info("host back on SSH (new boot)");
        // nobody may have taken the host while it was away: what it holds now must be this run's
        ctx.options().fence().check("reading the host after its reboot");
        return true;
    }

    /**
     * A BMC power cycle, then SSH back; an infrastructure error if the host does not return. When the run armed a
     * one-time boot (the nightly's next cell's kernel), the first power cycle consumed it: a host that does not come
     * back gets a second cycle, which boots the default entry, so a broken next kernel never costs this run its verdict.
     */
    static void powerCycleAndWait(RunContext ctx, Deadline parent, String oldBootId) {
        boolean armed = ctx.options().nextBoot() != NextBoot.UNCHANGED;
        for (int cycle = 1; ; cycle++) {
            // the host does not answer (that is why it is power-cycled): check what can be checked without it
            ctx.options().fence().beforeRecovery("a power cycle", Duration.ofSeconds(ctx.scenario().timeouts().reboot()));
            var bmc = ctx.device().freshBmc();
            Instant at = bmc.powerCycle();
            String via = bmc.describe(); // the BMC that did it (a fallback BMC names itself)
            ctx.recorder().event(Phase.POWER_CYCLE, at, "chassis power cycle via the BMC");
            ctx.recorder().note("host recovered by a power cycle through " + via + " at " + at);
            if (awaitSshBack(ctx, parent.child("host back on SSH after the power cycle",
                    Duration.ofSeconds(ctx.scenario().timeouts().reboot())), oldBootId)) {
                return;
            }
            if (!armed || cycle == 2) {
                // a power action that answers success and leaves the host as it was is a known BMC fault: name the BMC
                throw new InfrastructureException("ssh", ctx.host().name() + " did not come back on SSH after a power cycle "
                        + "through " + via + " (which acknowledged it)",
                        "check the host's console and power by hand");
            }
            ctx.info("not back after the power cycle, which booted the kernel armed for the next cell; "
                    + "a second power cycle boots the default entry");
        }
    }

    /** A reboot the run asked for (boot configuration changed); a power cycle if SSH does not come back. */
    static void reboot(RunContext ctx, Deadline d) {
        String boot = ctx.device().bootId();
        ctx.options().fence().beforeOutage("a reboot", Duration.ofSeconds(ctx.scenario().timeouts().reboot()));
        ctx.info("rebooting " + ctx.host().name() + " to apply the boot configuration");
        ctx.device().reboot();
        if (!awaitSshBack(ctx, d.child("host back on SSH after the reboot", Duration.ofSeconds(ctx.scenario().timeouts().reboot())),
                boot)) {
            ctx.info("no SSH after the reboot; power-cycling through the BMC");
            powerCycleAndWait(ctx, d, boot);
        }
    }
}
