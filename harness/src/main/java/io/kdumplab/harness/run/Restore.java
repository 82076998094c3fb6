package io.kdumplab.harness.run;

import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Puts the host back as the run found it, from the undo log: the run's
 * modules unloaded, sysctls restored (unless a reboot reset them), the
 * capture kernel loaded again if it was loaded before. Written once; run
 * after success, failure and Ctrl-C alike, under its own timeout.
 */
final class Restore implements Step<Boolean> {
    private final boolean quick;

    /** @param quick after a cancellation: undo what is cheap and do not wait for kdump to reload */
    Restore(boolean quick) {
        this.quick = quick;
    }

    @Override
    public String name() {
        return "restore";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return quick ? Duration.ofSeconds(30) : Duration.ofSeconds(240);
    }

    @Override
    public String component() {
        return "ssh";
    }

    /** @return whether the host is back in service */
    @Override
    public Boolean run(RunContext ctx, Deadline d) {
        UndoLog undo = ctx.undo();
        var device = ctx.device();
        if (!device.hasShell()) {
            ctx.info("restore: host never reached, nothing to restore");
            return null;
        }
        if (undo.changedNothing()) {
            // a run restores what it changed and nothing else: the host may be someone else's experiment by now
            ctx.info("restore: this run changed nothing on the host; nothing to undo");
            return null;
        }
        try {
            device.reconnectShell(d.child("SSH for restore", Duration.ofSeconds(quick ? 10 : 60)));
        } catch (HarnessException e) {
            ctx.info("restore: host not reachable over SSH: " + e.getMessage());
            ctx.recorder().update(r -> r.hostBackInService = false);
            return false;
        }
        List<String> modules = undo.modules();
        if (!modules.isEmpty()) {
            device.runRoot("for m in " + String.join(" ", modules) + "; do rmmod $m 2>/dev/null; done; true",
                    Duration.ofSeconds(quick ? 10 : 60));
        }
        if (!undo.hasRebooted()) {
            for (Map.Entry<String, String> e : undo.sysctls().entrySet()) {
                device.runRoot("sysctl -qw " + e.getKey() + "=" + e.getValue(), Duration.ofSeconds(15));
            }
        }
        boolean loaded;
        if (!undo.kdumpWasReady() || quick) {
            // kdump was not ready when the run found the host (nothing to wait for), or the user is waiting for us
            loaded = KdumpReadiness.crashKernelLoaded(ctx);
        } else {
            try {
                Wait.until(d.child("capture kernel loaded again", Duration.ofSeconds(150)), Duration.ofSeconds(3),
                        () -> KdumpReadiness.crashKernelLoaded(ctx) ? Wait.Result.ready(true) : Wait.Result.notYet("kexec_crash_loaded=0"));
                loaded = true;
            } catch (WaitTimeoutException e) {
                loaded = false;
            }
        }
        var shell = device.shell();
        String left = modules.isEmpty() ? "" : shell.run("lsmod | grep -E '^(" + String.join("|", modules) + ") ' || true",
                Duration.ofSeconds(15)).out();
        String kernelAfter = shell.run("uname -r", Duration.ofSeconds(15)).out();
        // back in service = as the run found it: modules gone, and kdump ready again if it was ready before
        boolean back = left.isEmpty() && (loaded || !undo.kdumpWasReady());
        boolean kdumpReady = loaded;
        String detail = "spammer/wedge unloaded: " + left.isEmpty() + ", sysctls "
                + (undo.hasRebooted() ? "reset by the reboot" : "restored") + ", kdump ready: " + kdumpReady;
        ctx.recorder().update(r -> {
            r.target.kernelAfterRun = kernelAfter;
            r.hostBackInService = back;
        });
        if (quick) {
            ctx.recorder().note("interrupted: spammer/wedge unloaded and sysctls restored on the way out");
        }
        ctx.info("restore: " + detail);
        return back;
    }
}
