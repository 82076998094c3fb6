package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The NMI(s) through the BMC, or the sysrq-c control. The last point where a cancellation still stops the run. */
final class Trigger implements Step<TriggerPoint> {
    @Override
    public String name() {
        return "trigger";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return Duration.ofSeconds(60);
    }

    @Override
    public String component() {
        return "bmc";
    }

    @Override
    public TriggerPoint run(RunContext ctx, Deadline d) {
        var device = ctx.device();
        var shell = device.shell();
        String boot = device.bootId();
        String[] clockAndNmis = shell.check(TriggerPoint.CLOCK_AND_NMI_COUNT, Duration.ofSeconds(15)).split("\n");
        long guestClock = Long.parseLong(clockAndNmis[0].strip());
        long nmisBefore = TriggerPoint.nmiCount(clockAndNmis.length > 1 ? clockAndNmis[1] : null);
        if (ctx.scenario().spammer().enabled()) {
            String emitted = shell.run("cat /sys/module/printk_spammer/parameters/emitted", Duration.ofSeconds(15)).out();
            if (emitted.matches("\\d+")) {
                ctx.recorder().update(r -> r.console.spammerEmittedAtTrigger = Long.parseLong(emitted));
            }
        }
        int line = device.console().map(c -> c.lineCount()).orElse(0);
        String kind = ctx.scenario().trigger() == Scenario.Trigger.NMI ? "nmi" : "sysrq-c";
        ctx.recorder().update(r -> r.trigger = kind);
        // the BMC session is opened before the last cancellation check: nothing slow between the check and the NMI
        var bmc = ctx.scenario().trigger() == Scenario.Trigger.NMI ? device.freshBmc() : null;
        Integer eventLogMark = bmc == null ? null : eventLogMark(ctx, bmc);
        if (ctx.cancel().cancelled() || Thread.currentThread().isInterrupted()) {
            throw new CancelledException(ctx.cancel().reason() + " (before the trigger: no NMI was sent)");
        }
        // the crash, the dump and the reboot take the host away: the hold must outlast them
        var limits = ctx.scenario().timeouts();
        ctx.options().fence().beforeOutage(kind.equals("nmi") ? "the NMI" : "sysrq-c",
                Duration.ofSeconds((long) limits.captureKernel() + limits.dumpSaved() + limits.sshBack()));
        ctx.undo().crashed();
        long cpu = ReproRun.processCpuNanos();
        long nanos = System.nanoTime();
        Instant at;
        if (bmc != null) {
            List<Instant> sent = bmc.nmiBurst(ctx.scenario().nmi().count(), Duration.ofMillis(ctx.scenario().nmi().spacingMs()));
            at = sent.get(0);
            ctx.recorder().update(r -> {
                r.nmiSentAt.addAll(sent);
                r.triggerAt = sent.get(0);
            });
            for (Instant t : sent) {
                ctx.recorder().event(Phase.NMI_SENT, t, "chassis power diag via the BMC");
            }
            ctx.info("NMI x" + sent.size() + " sent through the BMC at " + sent);
        } else {
            at = Instant.now();
            ctx.recorder().update(r -> r.triggerAt = at);
            shell.runExpectingDisconnect(device.asRoot("echo c > /proc/sysrq-trigger"));
            ctx.info("sysrq-c written at " + at);
        }
        return new TriggerPoint(boot, guestClock, line, at, nanos, cpu, nmisBefore, eventLogMark);
    }

    /** Where the BMC's event log ends before the NMI; a BMC whose log cannot be read costs the run nothing but a note. */
    private static Integer eventLogMark(RunContext ctx, io.kdumplab.harness.device.Bmc bmc) {
        try {
            java.util.OptionalInt mark = bmc.eventLogMark();
            return mark.isPresent() ? mark.getAsInt() : null;
        } catch (io.kdumplab.harness.failure.HarnessException e) {
            ctx.recorder().note("the BMC's event log could not be read before the trigger: " + e.getMessage());
            return null;
        }
    }
}
