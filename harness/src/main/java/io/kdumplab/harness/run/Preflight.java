package io.kdumplab.harness.run;

import io.kdumplab.harness.device.ConsoleSource;
import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * SSH (pinned key; root or sudo), the BMC (a session, power on), the console
 * (attached and proven to carry the kernel log): the device opened in that
 * order, nothing changed on the host.
 */
final class Preflight implements Step<HostFacts> {
    @Override
    public String name() {
        return "preflight";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return Duration.ofSeconds(ctx.scenario().timeouts().preflight());
    }

    @Override
    public String component() {
        return "ssh";
    }

    @Override
    public HostFacts run(RunContext ctx, Deadline d) {
        var device = ctx.device();
        device.openShell(d.child("SSH connection", Duration.ofSeconds(Math.max(10, d.remaining().toSeconds() / 2))));
        var shell = device.shell();
        Distro distro = device.distro();
        String kernel = shell.check("uname -r", Duration.ofSeconds(15));
        String cmdline = shell.check("cat /proc/cmdline", Duration.ofSeconds(15));
        ctx.recorder().update(r -> {
            r.target.host = ctx.host().name();
            r.target.distro = distro.family().id();
            r.target.kernel = kernel;
            r.target.cmdline = cmdline;
        });
        ctx.info("ssh: " + shell.describe() + " (host key verified), kernel " + kernel + ", " + distro.family().id() + " family");
        String dumpDir = dumpDir(ctx, distro, shell);
        if (!ctx.scenario().wedge().enabled() && shell.run("grep -q '^panic_wedge ' /proc/modules", Duration.ofSeconds(15)).ok()) {
            // the build under test carries the test-only fault (a bisection's simulated regression)
            ctx.recorder().note("panic_wedge was already loaded on the host when the run began (not by this run)");
            ctx.info("note: panic_wedge is already loaded on the host (part of the installed build)");
        }

        var bmc = device.freshBmc();
        PowerState power = bmc.powerState();
        // the experiment needs the BMC's NMI; the sysrq-c control only its power (to recover a hang)
        if (ctx.scenario().trigger() == Scenario.Trigger.NMI) {
            java.util.Optional<String> noNmi = bmc.cannotSendNmi();
            if (noNmi.isPresent()) {
                throw new io.kdumplab.harness.failure.ConfigurationException(noNmi.get(), "give the host a BMC that offers an "
                        + "NMI (IPMI's diagnostic interrupt, or Redfish's Nmi reset); nothing was touched");
            }
        }
        if (power != PowerState.ON) {
            throw new InfrastructureException("bmc", ctx.host().bmc().describe() + " reports chassis power " + power
                    + " while SSH answers", "check that the inventory pairs this BMC with this host");
        }
        ctx.info("bmc: " + bmc.describe() + ", power on");

        ConsoleSource console = device.openConsole(ctx.dir(), ctx::info);
        ctx.recorder().update(r -> r.console.source = ctx.host().console().describe());
        String marker = "kdump-harness-" + ctx.recorder().read(r -> r.runId);
        try {
            Wait.until(d.child("console receives the kernel log (" + ctx.host().console().describe() + ")", Duration.ofSeconds(30)),
                    Duration.ofSeconds(3), () -> {
                        device.root("echo '<3>" + marker + " preflight' > /dev/kmsg", Duration.ofSeconds(10));
                        return console.find(Pattern.compile(Pattern.quote(marker)), 0).isPresent()
                                ? Wait.Result.ready(true)
                                : Wait.Result.notYet(console.connected() ? "connected, marker not seen" : "not connected");
                    });
        } catch (io.kdumplab.harness.wait.WaitTimeoutException e) {
            throw new InfrastructureException("console", e.getMessage(), "check the console path (" + ctx.host().console().describe()
                    + ") and that the kernel's console= points at it", e);
        }
        ctx.info("console: " + ctx.host().console().describe() + " attached and receiving");
        return new HostFacts(kernel, cmdline, distro, dumpDir);
    }

    /**
     * Where this run's dump will be, from the host's kdump configuration (the inventory's dump_dir overrides it, and
     * a disagreement is noted). A dump sent to another machine or device is refused here, before anything is
     * touched: the harness would look in a local directory and grade a saved dump as a FAIL.
     */
    private static String dumpDir(RunContext ctx, Distro distro,
                                  io.kdumplab.harness.device.CommandShell shell) {
        var target = distro.dumpTarget(shell.run(distro.dumpTargetCommand(), Duration.ofSeconds(15)).out());
        String declared = ctx.host().dumpDir();
        ctx.recorder().update(r -> r.target.dumpTarget = target.describe());
        if (!target.local()) {
            throw new io.kdumplab.harness.failure.ConfigurationException(ctx.host().name() + ": kdump writes its dumps to "
                    + target.describe() + "; the harness finds a run's dump in a local directory of the host only (so far), "
                    + "and would grade a dump saved elsewhere as a FAIL",
                    "point this host's kdump at a local directory for the test, or leave it out of the run; nothing was touched");
        }
        String dir = declared != null ? declared : target.location();
        if (declared != null && !declared.equals(target.location())) {
            ctx.recorder().note("inventory dump_dir " + declared + " overrides the host's configured " + target.describe());
            ctx.info("note: the inventory's dump_dir " + declared + " overrides the host's kdump configuration ("
                    + target.describe() + ")");
        }
        ctx.recorder().update(r -> r.target.dumpDir = dir);
        ctx.info("dump target: " + target.describe() + (declared != null ? "; looking in " + dir : ""));
        return dir;
    }
}
