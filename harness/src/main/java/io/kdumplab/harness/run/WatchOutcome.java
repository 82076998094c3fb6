package io.kdumplab.harness.run;

import io.kdumplab.harness.device.ConsoleSource;
import io.kdumplab.harness.device.ConsoleLine;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.verdict.Outcome;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Watches the console after the trigger and gets the host back: a capture
 * kernel (then SSH after the dump), a plain reboot, no panic at all, or a
 * hang (console quiet while the link is sound, or no capture kernel in time,
 * with SSH gone), which the BMC's power cycle recovers.
 */
final class WatchOutcome implements Step<WatchOutcome.Watched> {
    private static final Pattern ANY_BOOT = io.kdumplab.harness.verdict.KernelMessages.BOOT_PATTERN;
    /** A panic or oops: in the capture kernel it ends the wait for the dump. */
    static final Pattern DEATH = io.kdumplab.harness.verdict.KernelMessages.DEATH_PATTERN;
    private static final Pattern PANIC_BANNER = io.kdumplab.harness.verdict.KernelMessages.PANIC_BANNER_PATTERN;
    /** Silence after a capture kernel's panic before it counts as dead (a panic=N kernel would reboot by then). */
    static final Duration CAPTURE_DEATH_SILENCE = Duration.ofSeconds(5);
    /** Silence after the first kernel's panic banner before it counts as a hang (a capture kernel starts within ~5 s). */
    static final Duration PANIC_SILENCE = Duration.ofSeconds(20);

    /**
     * What the console and SSH showed: the outcome, the console line where the harness's power cycle began
     * (-1 if none) and the console line that ended a wait early (a panic followed by silence), if any.
     */
    record Watched(Outcome outcome, int powerCycleLine, ConsoleLine terminal) {}

    /** Control flow inside this step: a console event after which waiting longer is pointless. */
    private static final class Terminal extends RuntimeException {
        final ConsoleLine line;

        Terminal(ConsoleLine line) {
            super(line.text(), null, false, false);
            this.line = line;
        }
    }

    private final TriggerPoint trigger;

    WatchOutcome(TriggerPoint trigger) {
        this.trigger = trigger;
    }

    @Override
    public String name() {
        return "outcome";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        Scenario.Timeouts t = ctx.scenario().timeouts();
        return Duration.ofSeconds(t.captureKernel() + t.sshBack() + t.reboot());
    }

    @Override
    public String component() {
        return "ssh";
    }

    @Override
    public Watched run(RunContext ctx, Deadline d) {
        Scenario.Timeouts t = ctx.scenario().timeouts();
        ConsoleSource console = ctx.device().console().orElseThrow();
        ConsoleLine[] terminal = new ConsoleLine[1];
        Optional<ConsoleLine> boot = awaitBootOrQuiet(ctx, console,
                d.child("capture kernel starting on the console", Duration.ofSeconds(t.captureKernel())), terminal);
        String old = trigger.bootIdBefore();
        Outcome outcome;
        int powerCycleLine = -1;
        Optional<String> bootNow;
        if (boot.isPresent() && io.kdumplab.harness.verdict.KernelMessages.isCaptureBoot(boot.get().text())) {
            outcome = Outcome.CAPTURE_STARTED;
            String cmd = boot.get().text().replaceFirst(".*" + io.kdumplab.harness.verdict.KernelMessages.BOOT, "").strip();
            ctx.recorder().update(r -> r.target.captureKernelCmdline = cmd);
            ctx.info("capture kernel started: " + cmd);
            int captureLine = boot.get().index();
            boolean back;
            try {
                back = awaitSshBack(ctx, d.child("host back on SSH after the dump", Duration.ofSeconds(t.sshBack())),
                        () -> captureKernelDeath(console, captureLine, ctx.clock().currentTimeMillis()));
            } catch (Terminal death) {
                terminal[0] = death.line;
                ctx.info("the capture kernel died: '" + death.line.text().strip() + "' and the console went quiet; "
                        + "not waiting for the dump any longer");
                back = false;
            }
            if (!back) {
                ctx.info("the host did not come back after the capture kernel; power-cycling it through the BMC");
                powerCycleLine = console.lineCount();
                HostRecovery.powerCycleAndWait(ctx, d, old);
            }
        } else if (boot.isPresent()) {
            outcome = Outcome.RESET_WITHOUT_CAPTURE;
            ctx.info("the host rebooted without starting the capture kernel");
            if (!awaitSshBack(ctx, d.child("host back on SSH after the reset", Duration.ofSeconds(t.sshBack())), Optional::empty)) {
                powerCycleLine = console.lineCount();
                HostRecovery.powerCycleAndWait(ctx, d, old);
            }
        } else if ((bootNow = ctx.device().probeBootId(Duration.ofSeconds(10))).map(id -> id.equals(old)).orElse(false)) {
            outcome = Outcome.NO_PANIC;
            ctx.info("no panic: the host still runs the same boot after the trigger");
            requireNmiArrived(ctx);
        } else if (bootNow.isPresent()) {
            // back with a new boot although the console never showed one (a console gap hid it)
            outcome = Outcome.REBOOTED_UNSEEN;
            ctx.info("the host rebooted (new boot id) while the console did not show how");
            awaitSshBack(ctx, d.child("host back on SSH", Duration.ofSeconds(30)), Optional::empty);
        } else {
            outcome = Outcome.HANG_RECOVERED;
            ctx.info("HANG: no capture kernel on the console and SSH is gone; power-cycling through the BMC");
            powerCycleLine = console.lineCount();
            HostRecovery.powerCycleAndWait(ctx, d, old);
        }
        ConsolePhases.collect(ctx.recorder(), console, trigger.consoleLine(), powerCycleLine);
        if (terminal[0] != null) {
            String text = terminal[0].text().strip();
            Instant at = Instant.ofEpochMilli(terminal[0].epochMillis());
            ctx.recorder().update(r -> {
                r.terminalConsoleLine = text;
                r.terminalConsoleLineAt = at;
            });
        }
        return new Watched(outcome, powerCycleLine, terminal[0]);
    }

    /** A panic or oops after the capture kernel's banner, with the console quiet since and no reboot after it. */
    private static Optional<ConsoleLine> captureKernelDeath(ConsoleSource console, int captureLine, long now) {
        Optional<ConsoleLine> death = console.find(DEATH, captureLine + 1);
        if (death.isEmpty() || console.find(ANY_BOOT, death.get().index() + 1).isPresent()) {
            return Optional.empty();
        }
        boolean quiet = now - console.lastDataMillis() >= CAPTURE_DEATH_SILENCE.toMillis();
        return quiet ? death : Optional.empty();
    }

    private boolean awaitSshBack(RunContext ctx, Deadline d, java.util.function.Supplier<Optional<ConsoleLine>> terminal) {
        boolean back = HostRecovery.awaitSshBack(ctx, d, trigger.bootIdBefore(), () -> terminal.get().map(Terminal::new));
        if (back) {
            double seconds = (System.nanoTime() - trigger.nanos()) / 1e9;
            double cpu = (ReproRun.processCpuNanos() - trigger.cpuNanos()) / 1e9;
            ctx.recorder().update(r -> {
                if (r.panicToSshBackSeconds == null) {
                    r.panicToSshBackSeconds = seconds;
                    r.harnessCpuSecondsInPanicWindow = cpu;
                }
            });
        }
        return back;
    }

    /**
     * A "Command line:" line (capture kernel or a normal boot), or empty when
     * the deadline or a quiet console ends the wait. Scans only the lines that
     * arrived since the last look.
     */
    private Optional<ConsoleLine> awaitBootOrQuiet(RunContext ctx, ConsoleSource console, Deadline deadline, ConsoleLine[] terminal) {
        long quietMs = ctx.options().quietConsoleTimeout().toMillis();
        long triggerMs = trigger.at().toEpochMilli();
        int cursor = trigger.consoleLine();
        Optional<ConsoleLine> banner = Optional.empty();
        io.kdumplab.harness.wait.WaitProgress progress = new io.kdumplab.harness.wait.WaitProgress(
                deadline.child("a boot banner on the console (capture kernel or a normal boot)", deadline.remaining()));
        while (!deadline.expired()) {
            progress.tick(console.lineCount() + " console lines, the last "
                    + (ctx.clock().currentTimeMillis() - console.lastDataMillis()) / 1000 + " s ago");
            int seen = console.lineCount();
            Optional<ConsoleLine> l = console.find(ANY_BOOT, cursor);
            if (l.isPresent()) {
                return l;
            }
            if (banner.isEmpty()) {
                banner = console.find(PANIC_BANNER, cursor);
            }
            // the last line may still be growing: look at it again next time
            cursor = Math.max(cursor, seen - 1);
            long last = Math.max(console.lastDataMillis(), triggerMs);
            // A quiet console means a hang only while the link is sound: after a gap the silence may be ours,
            // and power-cycling a box that is still writing its dump would destroy the evidence.
            boolean linkSound = console.connected() && console.gaps().stream().noneMatch(g -> g.endEpochMillis() >= triggerMs);
            // the run's clock, not the machine's: a hang is a silence measured on the clock the run sleeps on
            long now = ctx.clock().currentTimeMillis();
            if (linkSound && now - last > quietMs) {
                ctx.info("console quiet for " + quietMs / 1000 + " s after the trigger");
                return Optional.empty();
            }
            // a panic banner and then silence: the capture kernel would have started by now
            if (linkSound && banner.isPresent() && now - last > PANIC_SILENCE.toMillis()) {
                terminal[0] = banner.get();
                ctx.info("'" + banner.get().text().strip() + "' and then " + PANIC_SILENCE.toSeconds()
                        + " s of silence: no capture kernel is coming");
                return Optional.empty();
            }
            ctx.sleep(250);
            if (Thread.currentThread().isInterrupted()) {
                return Optional.empty();
            }
        }
        ctx.info(deadline.name() + " timed out after " + deadline.timeout().toSeconds() + " s");
        return Optional.empty();
    }

    /**
     * A host that kept running after an NMI either handled it without panicking (a verdict on the kernel) or never got
     * one: BMCs that acknowledge a reset and do nothing exist. An NMI count that did not move proves the latter, and
     * that is the BMC's fault, never a FAIL. (A count that moved does not prove delivery on hosts whose watchdog
     * raises NMIs itself; then the FAIL stands on the console and SSH evidence, as before.)
     */
    private void requireNmiArrived(RunContext ctx) {
        if (!"nmi".equals(ctx.recorder().read(r -> r.trigger)) || trigger.nmiCountBefore() < 0) {
            return;
        }
        String now = ctx.device().shell().run(TriggerPoint.CLOCK_AND_NMI_COUNT, Duration.ofSeconds(15)).out();
        String[] lines = now.split("\n");
        long after = TriggerPoint.nmiCount(lines.length > 1 ? lines[1] : null);
        if (after == trigger.nmiCountBefore()) {
            throw new InfrastructureException("bmc", ctx.host().bmc().describe() + " acknowledged the NMI, but the host never "
                    + "received one (its NMI count in /proc/interrupts stayed at " + after + ")",
                    "check the BMC (some answer success to a reset and do nothing); no verdict on the kernel");
        }
    }
}
