package io.kdumplab.harness.run;

import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;

/**
 * Arms the caller's {@link NextBoot} (nightly: the next cell's kernel) right after the readiness checks, whose
 * reconfiguration may reboot the host, and before the flood: the arm checkpoints the filesystem, which takes a
 * second on a quiet host and 15 s under the flood's journal writes. Best effort: a failure is noted, never the run's.
 */
final class ArmNextBoot implements Step<Void> {
    @Override
    public String name() {
        return "next-boot";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return Duration.ofSeconds(90);
    }

    @Override
    public String component() {
        return "ssh";
    }

    @Override
    public Void run(RunContext ctx, Deadline d) {
        try {
            ctx.options().fence().check("arming the next boot entry");
            String armed = ctx.options().nextBoot().arm(ctx.device());
            if (armed != null) {
                ctx.info(armed);
            }
        } catch (RuntimeException e) {
            ctx.info("note: the next boot could not be armed (" + e.getMessage() + "); the next cell boots its kernel itself");
        }
        return null;
    }
}
