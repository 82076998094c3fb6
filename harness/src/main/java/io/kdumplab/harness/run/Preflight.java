package io.kdumplab.harness.run;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.device.ConsoleSource;
import io.kdumplab.harness.device.DumpTarget;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * SSH (pinned key; root or sudo), the BMC (a session, power on), the console
 * (attached and proven to carry the kernel log): the device opened in that
 * order, nothing changed on the host.
 */
final class Preflight implements Step<HostFacts> {
    /** The host's own login to its dump server (what kdump will do), and the harness's. */
    private static final Duration HOST_LOGIN = Duration.ofSeconds(20);
    private static final Duration SERVER_REACH = Duration.ofSeconds(20);
    /** The NFS check mounts (bounded at 40 s by the command itself), writes a probe, unmounts. */
    private static final Duration NFS_CHECK = Duration.ofSeconds(60);

    private final DumpServers servers;

    Preflight(DumpServers servers) {
        this.servers = servers;
    }

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
        DumpPlace dumpPlace = dumpPlace(ctx, distro, device);
        if (!ctx.scenario().wedge().enabled() && shell.run("grep -q '^panic_wedge ' /proc/modules", Duration.ofSeconds(15)).ok()) {
            // the build under test carries the test-only fault (a bisection's simulated regression)
            ctx.recorder().note("panic_wedge was already loaded on the host when the run began (not by this run)");
            ctx.info("note: panic_wedge is already loaded on the host (part of the installed build)");
        }

        var bmc = device.freshBmc();
        bmc.standingInFor().ifPresent(why -> {
            ctx.recorder().note(why);
            ctx.info("note: " + why);
        });
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
        String marker = "kdump-harness-" + ctx.recorder().read(r -> r.runId) + " preflight";
        try {
            ConsoleMarker.await(device, console, marker, d.child("console receives the kernel log ("
                    + ctx.host().console().describe() + ")", Duration.ofSeconds(30)));
        } catch (io.kdumplab.harness.wait.WaitTimeoutException e) {
            throw InfrastructureException.timeout("console", e.getMessage(), "check the console path (" + ctx.host().console().describe()
                    + ") and that the kernel's console= points at it", e);
        }
        ctx.info("console: " + ctx.host().console().describe() + " attached and receiving");
        return new HostFacts(kernel, cmdline, distro, dumpPlace);
    }

    /**
     * Where this run's dump will be, from the host's kdump configuration (the inventory's dump_dir overrides the
     * directory, and a disagreement is noted). A dump sent over SSH is looked for on the dump server, which the
     * harness must reach itself (the inventory's dump_server; the lab's own) and the host must be able to log in to;
     * NFS and device targets are refused before anything is touched: the harness would look in the wrong place and
     * grade a saved dump as a FAIL.
     */
    private DumpPlace dumpPlace(RunContext ctx, Distro distro, io.kdumplab.harness.device.Device device) {
        var shell = device.shell();
        DumpTarget target = distro.dumpTarget(shell.run(distro.dumpTargetCommand(), Duration.ofSeconds(15)).out());
        String declared = ctx.host().dumpDir();
        ctx.recorder().update(r -> r.target.dumpTarget = target.describe());
        if (target.kind() == DumpTarget.Kind.DEVICE || target.kind() == DumpTarget.Kind.OTHER) {
            throw new ConfigurationException(ctx.host().name() + ": kdump writes its dumps to " + target.describe()
                    + "; the harness finds a run's dump on the host, on an SSH dump server or on an NFS share, not on a dump "
                    + "device or another transport (yet), and would grade a dump saved there as a FAIL",
                    "point this host's kdump at a local directory or an SSH dump server for the test, or leave it out of the run; "
                            + "nothing was touched");
        }
        if (declared != null && target.kind() == DumpTarget.Kind.NFS) {
            // dump_dir names a directory on the host (or its dump server): it cannot name a place inside the share
            ctx.recorder().note("inventory dump_dir " + declared + " not used: kdump writes to " + target.describe());
            ctx.info("note: the inventory's dump_dir " + declared + " is not used: kdump writes to " + target.describe());
            declared = null;
        }
        String dir = declared != null ? declared : target.directory();
        if (declared != null && !declared.equals(target.directory())) {
            ctx.recorder().note("inventory dump_dir " + declared + " overrides the host's configured " + target.describe());
            ctx.info("note: the inventory's dump_dir " + declared + " overrides the host's kdump configuration ("
                    + target.describe() + ")");
        }
        ctx.recorder().update(r -> r.target.dumpDir = dir);
        if (target.local()) {
            ctx.info("dump target: " + target.describe() + (declared != null ? "; looking in " + dir : ""));
            return DumpPlace.local(target, dir);
        }
        return target.kind() == DumpTarget.Kind.NFS ? nfsPlace(ctx, device, distro, target, dir)
                : sshPlace(ctx, device, distro, target, dir);
    }

    /**
     * An NFS target: the host mounts the share as the capture kernel will (read-write, as root), the dump directory
     * must exist and take a file from root (a root-squashing export is found here, not after the crash); the probe
     * file's mtime is the server's clock. Anything wrong is refused before the run: kdump could not save there either.
     */
    private DumpPlace nfsPlace(RunContext ctx, io.kdumplab.harness.device.Device device, Distro distro, DumpTarget target,
                               String dir) {
        String share = target.remote();
        if (!device.shell().run("command -v mount.nfs >/dev/null || test -x /sbin/mount.nfs || test -x /usr/sbin/mount.nfs",
                Duration.ofSeconds(10)).ok()) {
            throw new ConfigurationException(ctx.host().name() + " has no mount.nfs: kdump cannot mount its NFS target "
                    + share + " (nor can the harness look there)", "install the NFS client (Debian/Ubuntu: nfs-common; RHEL: "
                    + "nfs-utils; SUSE: nfs-client); nothing was touched");
        }
        java.util.Map<String, String> c = io.kdumplab.harness.util.KeyValues.parse(
                device.runRoot(DumpFiles.nfsCheckCommand(share, dir), NFS_CHECK).out());
        if (!"yes".equals(c.get("mounted"))) {
            throw new ConfigurationException(ctx.host().name() + " cannot mount its NFS dump target " + share + ": "
                    + c.getOrDefault("mount_error", "no answer").strip(), "check the NFS server and its export for this host "
                    + "(the capture kernel mounts it the same way); nothing was touched");
        }
        String at = share + (dir.isEmpty() ? "" : " " + dir);
        if (!"yes".equals(c.get("exists")) || !"yes".equals(c.get("writable"))) {
            throw new ConfigurationException("the dump directory " + (dir.isEmpty() ? "at the top of " + share : dir + " in " + share)
                    + (!"yes".equals(c.get("exists")) ? " does not exist" : " does not take a file from root on " + ctx.host().name()
                    + " (a root-squashing export?)") + ": the capture kernel could not save the dump there",
                    "export it writable for root from this host (no_root_squash) and create the directory; nothing was touched");
        }
        long offset = c.get("server_now") == null || c.get("host_now") == null ? 0
                : Long.parseLong(c.get("server_now")) - Long.parseLong(c.get("host_now"));
        List<String> tags = !distro.dumpLayout().dirsNamedAfterHost() ? List.of() : hostTags(device);
        ctx.info("dump target: " + target.describe() + "; the harness mounts it read-only on the host to read the dump, "
                + c.get("free_kib") + " KiB free there, the server's clock " + offset + " s from the host's; "
                + (tags.isEmpty() ? "dump directories named after the time alone" : "dump directories named after " + tags));
        ctx.recorder().update(r -> r.target.dumpServer = "nfs " + at);
        return new DumpPlace(target, dir, null, share, tags, offset);
    }

    /** The names the dump tooling gives a dump directory on a remote target: the host's name and addresses. */
    private static List<String> hostTags(io.kdumplab.harness.device.Device device) {
        return new ArrayList<>(device.shell().run("hostname; ip -o -4 addr show up | awk '{print $4}' | cut -d/ -f1",
                Duration.ofSeconds(15)).out().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }

    private DumpPlace sshPlace(RunContext ctx, io.kdumplab.harness.device.Device device, Distro distro, DumpTarget target,
                              String dir) {
        var server = ctx.host().dumpServer();
        if (server == null) {
            throw new ConfigurationException(ctx.host().name() + ": kdump sends its dumps over SSH to " + target.describe()
                    + ", and the inventory does not say how the harness reaches that machine",
                    "add a dump_server section to host '" + ctx.host().name() + "' (host, user, key, host_key_fingerprint: "
                            + "how the harness logs in to the dump server to find and read the run's dump); nothing was touched");
        }
        // the host itself must get in, with the key kdump uses, or the capture kernel cannot save the dump
        CommandResult login = device.runRoot(target.hostLoginCheck(), HOST_LOGIN);
        if (!login.ok()) {
            throw new ConfigurationException(ctx.host().name() + " cannot log in to its dump server as kdump would ("
                    + target.remote() + " " + target.keyDescription() + "): " + (login.stderr().isBlank() ? login.stdout() : login.stderr()).strip(),
                    "fix the host's SSH key or known_hosts for its dump server (kdump-config propagate, kdumpctl propagate; ssh-copy-id for SUSE's kdump); "
                            + "nothing was touched");
        }
        // a dump directory named after the time alone (SUSE) cannot be told apart from another host's: the newest
        // one written since the trigger is this run's, so a server shared by several such hosts needs a directory each
        List<String> tags = !distro.dumpLayout().dirsNamedAfterHost() ? List.of() : hostTags(device);
        long hostClock = Long.parseLong(device.shell().check("date +%s", Duration.ofSeconds(10)).strip());
        try (CommandShell s = servers.connect(server, Deadline.in("SSH to the dump server " + server.describe(), SERVER_REACH))) {
            long offset = Long.parseLong(s.check("date +%s", Duration.ofSeconds(10)).strip()) - hostClock;
            String tools = s.run(DumpFiles.SERVER_PATH + "command -v makedumpfile", Duration.ofSeconds(10)).out();
            if (tools.isEmpty()) {
                throw new ConfigurationException("the dump server " + server.describe() + " has no makedumpfile, which the "
                        + "harness runs there to read the run's dump where it lies", "install makedumpfile on the dump server "
                        + "(Debian/Ubuntu: apt-get install makedumpfile; RHEL: dnf install makedumpfile); nothing was touched");
            }
            java.util.Map<String, String> check = io.kdumplab.harness.util.KeyValues.parse(s.run(DumpFiles.targetCheckCommand(dir), Duration.ofSeconds(15)).out());
            if (!"yes".equals(check.get("exists")) || !"yes".equals(check.get("writable"))) {
                throw new ConfigurationException("the dump directory " + dir + " on the dump server " + server.describe()
                        + (!"yes".equals(check.get("exists")) ? " does not exist" : " is not writable by " + check.get("user"))
                        + ": the capture kernel could not save the dump there", "create it, owned by the account the host logs in "
                        + "as; nothing was touched");
            }
            ctx.info("dump target: " + target.describe() + "; the harness reads it on " + server.describe() + " (host key "
                    + "verified), " + check.get("free_kib") + " KiB free there; " + (tags.isEmpty()
                    ? "dump directories named after the time alone: the newest since the trigger is this run's"
                    : "dump directories named after " + tags));
            ctx.recorder().update(r -> r.target.dumpServer = server.describe());
            return new DumpPlace(target, dir, server, null, tags, offset);
        } catch (io.kdumplab.harness.failure.InfrastructureException e) {
            throw new io.kdumplab.harness.failure.InfrastructureException("dump-server", "cannot reach the dump server "
                    + server.describe() + ": " + e.getMessage(), "check the inventory's dump_server for " + ctx.host().name(), e);
        }
    }
}
