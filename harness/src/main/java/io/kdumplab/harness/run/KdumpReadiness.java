package io.kdumplab.harness.run;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.failure.KdumpNotReadyException;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * crashkernel=, console=ttyS* and a loaded capture kernel. With --configure
 * the distro backend adds what is missing, reboots and checks again; without,
 * a missing piece is KDUMP_NOT_READY and nothing is changed.
 */
final class KdumpReadiness implements Step<HostFacts> {
    /** How long a kdump service may take to load the capture kernel after a boot (about 10-30 s on the lab). */
    static final Duration LOAD_AFTER_BOOT = Duration.ofSeconds(90);
    private final HostFacts facts;

    KdumpReadiness(HostFacts facts) {
        this.facts = facts;
    }

    @Override
    public String name() {
        return "kdump-readiness";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return Duration.ofSeconds(ctx.scenario().timeouts().kdumpReady() + ctx.scenario().timeouts().reboot());
    }

    @Override
    public String component() {
        return "ssh";
    }

    @Override
    public RemoteFailure remoteCommandFailure() {
        return RemoteFailure.KDUMP_NOT_READY;
    }

    @Override
    public HostFacts run(RunContext ctx, Deadline d) {
        String cmdline = facts.cmdline();
        String host = ctx.host().name();
        boolean hasCrash = cmdline.contains("crashkernel=");
        boolean hasConsole = cmdline.matches(".*\\bconsole=ttyS\\d.*");
        boolean loaded = crashKernelLoaded(ctx);
        if (hasCrash && hasConsole && !loaded) {
            // just after a boot (repro --kernel, a nightly cell) the kdump service may still be loading the capture
            // kernel: "not loaded yet" is not "not ready", so it gets its time before the host is judged
            loaded = loadedWithin(ctx, d, LOAD_AFTER_BOOT);
        }
        if (hasCrash && loaded && hasConsole) {
            ctx.info("kdump ready: " + crashkernelArg(cmdline) + ", capture kernel loaded");
            recordReservation(ctx);
            ctx.undo().kdumpReady();
            if (!crashkernelArg(cmdline).equals("crashkernel=" + ctx.host().crashkernel())) {
                ctx.recorder().note("crashkernel on the host (" + crashkernelArg(cmdline) + ") differs from the inventory's ("
                        + ctx.host().crashkernel() + "); left as it is");
            }
            return facts;
        }
        List<String> missing = new ArrayList<>();
        if (!hasCrash) {
            missing.add("crashkernel= is not on the kernel command line");
        }
        if (!hasConsole) {
            missing.add("console=ttyS* is not on the kernel command line");
        }
        if (!loaded) {
            missing.add("no capture kernel is loaded (/sys/kernel/kexec_crash_loaded = 0)");
        }
        if (!ctx.options().configure()) {
            throw new KdumpNotReadyException("kdump is not ready on " + host + ": " + String.join("; ", missing),
                    "run without --no-configure to let the harness fix it (it changes the boot configuration and reboots)");
        }
        HostFacts now = facts;
        List<String> args = new ArrayList<>();
        if (!hasCrash) {
            args.add("crashkernel=" + ctx.host().crashkernel());
        }
        if (!hasConsole) {
            args.add("console=ttyS0,115200n8");
        }
        if (!args.isEmpty()) {
            ctx.options().fence().check("changing the boot configuration");
            ctx.info("configuring kdump: adding '" + String.join(" ", args) + "' to the boot configuration ("
                    + facts.distro().family().id() + ")");
            ctx.device().root(facts.distro().addKernelArgsCommand(String.join(" ", args)), Duration.ofSeconds(120));
            ctx.device().root("systemctl enable " + facts.distro().kdumpService()
                    + " >/dev/null 2>&1 || true", Duration.ofSeconds(30));
            HostRecovery.reboot(ctx, d);
            String after = ctx.device().shell().check("cat /proc/cmdline", Duration.ofSeconds(15));
            ctx.recorder().update(r -> r.target.cmdline = after);
            if (!after.contains("crashkernel=")) {
                throw new KdumpNotReadyException("after the reboot /proc/cmdline still lacks crashkernel=: " + after,
                        "check the boot loader configuration of " + host);
            }
            now = facts.withCmdline(after);
        }
        // after our reboot the service gets its time again; without one it has had it above
        if (args.isEmpty() || !loadedWithin(ctx, d, LOAD_AFTER_BOOT)) {
            ctx.info("the capture kernel did not load by itself; loading it");
            CommandResult r = ctx.device().runRoot(facts.distro().enableAndLoadKdumpCommand(), Duration.ofSeconds(180));
            if (!crashKernelLoaded(ctx)) {
                throw new KdumpNotReadyException("the capture kernel does not load on " + host + ": "
                        + (r.stdout() + r.stderr()).strip(), "check crashkernel= size and the kdump service's log");
            }
        }
        ctx.info("kdump ready after configuration: " + crashkernelArg(now.cmdline()));
        recordReservation(ctx);
        ctx.undo().kdumpReady();
        return now;
    }

    /** What the kernel reserved, from the kernel itself: the command line may carry several crashkernel= (the last wins). */
    private static void recordReservation(RunContext ctx) {
        String size = ctx.device().shell().run("cat /sys/kernel/kexec_crash_size", Duration.ofSeconds(15)).out();
        if (size.matches("\\d+")) {
            long bytes = Long.parseLong(size);
            ctx.recorder().update(r -> r.target.crashKernelReservedBytes = bytes);
        }
    }

    private static boolean loadedWithin(RunContext ctx, Deadline d, Duration wait) {
        try {
            return Wait.until(d.child("capture kernel loaded by the kdump service", wait), Duration.ofSeconds(3),
                    () -> crashKernelLoaded(ctx) ? Wait.Result.ready(true) : Wait.Result.notYet("kexec_crash_loaded=0"));
        } catch (WaitTimeoutException e) {
            return false;
        }
    }

    static boolean crashKernelLoaded(RunContext ctx) {
        return "1".equals(ctx.device().shell().run("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(15)).out());
    }

    /** The crashkernel= the kernel used: the last one on the command line. */
    static String crashkernelArg(String cmdline) {
        String found = "(none)";
        for (String a : cmdline.split("\\s+")) {
            if (a.startsWith("crashkernel=")) {
                found = a;
            }
        }
        return found;
    }
}
