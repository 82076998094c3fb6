package io.kdumplab.harness.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.ConsoleSource;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.device.DumpTarget;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * `host check`: everything a run needs from a host, without a panic and without changing it (a marker in the kernel
 * log is the one write): SSH with the pinned key and root or sudo, the distribution and its kdump tooling, the
 * crash-kernel reservation against the machine's memory, the capture kernel loaded, where dumps go and the room
 * there, the console carrying the kernel log, and the BMC (power, an NMI on offer). A lab engineer adding a server
 * finds all its problems at once, not one failed run at a time.
 */
public final class HostCheck {
    public enum Status { OK, WARN, PROBLEM, UNREACHABLE }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Item(String check, Status status, String detail, String fix) {}

    public record Report(String host, List<Item> items) {
        /** 0 ready; 2 a configuration problem with its fix; 125 something could not be reached. */
        public int exitCode() {
            if (items.stream().anyMatch(i -> i.status() == Status.UNREACHABLE)) {
                return 125;
            }
            return items.stream().anyMatch(i -> i.status() == Status.PROBLEM) ? 2 : 0;
        }

        public boolean ready() {
            return exitCode() == 0;
        }
    }

    static final Duration READ = Duration.ofSeconds(15);
    /** The room a dump needs, at the least: makedumpfile -d 31 keeps a small part of memory, but not less than this. */
    static final long MIN_DUMP_ROOM = 1L << 30;

    private HostCheck() {}

    public static Report check(TargetHost host, Device device, Path scratch) {
        List<Item> items = new ArrayList<>();
        String name = host.name();
        try {
            device.openShell(Deadline.in("SSH to " + name, Duration.ofSeconds(30)));
            items.add(new Item("ssh", Status.OK, device.shell().describe() + " (host key verified), "
                    + (device.sudo().isEmpty() ? "root" : "sudo -n"), null));
        } catch (ConfigurationException e) {
            items.add(new Item("ssh", Status.PROBLEM, e.getMessage(), e.hint()));
            return new Report(name, items);
        } catch (HarnessException e) {
            items.add(new Item("ssh", Status.UNREACHABLE, e.getMessage(), "check that the host is up and sshd answers"));
            bmc(device, items);
            return new Report(name, items);
        }
        Distro distro = null;
        try {
            distro = device.distro();
            String tool = distro.kdumpTool();
            boolean has = device.shell().run("command -v " + tool, READ).ok();
            items.add(new Item("distribution", has ? Status.OK : Status.PROBLEM, distro.family().id() + " family"
                    + (has ? ", " + tool + " present" : ", " + tool + " missing"), has ? null
                    : "install " + distro.kdumpPackage()));
        } catch (ConfigurationException e) {
            items.add(new Item("distribution", Status.PROBLEM, e.getMessage(), e.hint()));
        }
        memoryAndReservation(device, items);
        if (distro != null) {
            dumpTarget(host, device, distro, items);
        }
        console(host, device, scratch, items);
        bmc(device, items);
        return new Report(name, items);
    }

    private static void memoryAndReservation(Device device, List<Item> items) {
        String out = device.shell().run("awk '/^MemTotal:/ {print $2 * 1024}' /proc/meminfo; cat /sys/kernel/kexec_crash_size; "
                + "cat /sys/kernel/kexec_crash_loaded; cat /proc/cmdline", READ).out();
        String[] l = out.split("\n");
        long mem = l.length > 0 && l[0].strip().matches("\\d+") ? Long.parseLong(l[0].strip()) : 0;
        long reserved = l.length > 1 && l[1].strip().matches("\\d+") ? Long.parseLong(l[1].strip()) : 0;
        boolean loaded = l.length > 2 && l[2].strip().equals("1");
        boolean onCmdline = l.length > 3 && l[3].contains("crashkernel=");
        if (reserved == 0) {
            items.add(new Item("crash kernel reservation", Status.PROBLEM, (onCmdline ? "crashkernel= is on the command line but "
                    : "no crashkernel= on the command line: ") + "nothing is reserved (" + mib(mem) + " of memory)",
                    "a run configures it (a GRUB drop-in or grubby, one reboot) unless --no-configure; or add crashkernel=  as an admin"));
        } else {
            // what the seed's ranges give for this memory size; less than 192 MiB rarely holds a capture kernel
            boolean small = reserved < (192L << 20);
            items.add(new Item("crash kernel reservation", small ? Status.WARN : Status.OK, mib(reserved) + " reserved of "
                    + mib(mem), small ? "below 192 MiB capture kernels often run out of memory: raise crashkernel=" : null));
        }
        items.add(new Item("capture kernel", loaded ? Status.OK : Status.PROBLEM, loaded ? "loaded" : "not loaded "
                + "(/sys/kernel/kexec_crash_loaded = 0)", loaded ? null : "start the kdump service (a run does so unless "
                + "--no-configure)"));
    }

    private static void dumpTarget(TargetHost host, Device device, Distro distro, List<Item> items) {
        DumpTarget target = distro.dumpTarget(device.shell().run(distro.dumpTargetCommand(), READ).out());
        if (target.kind() == DumpTarget.Kind.SSH) {
            sshDumpTarget(host, device, target, items);
            return;
        }
        if (target.kind() == DumpTarget.Kind.NFS) {
            nfsDumpTarget(host, device, target, items);
            return;
        }
        if (!target.local()) {
            items.add(new Item("dump target", Status.PROBLEM, target.describe() + ": dumps are sent to a dump device or by "
                    + "another transport", "the harness finds dumps on the host, an SSH dump server or an NFS share (so far): "
                    + "point kdump at one for the test"));
            return;
        }
        String dir = host.dumpDir() != null ? host.dumpDir() : target.location();
        String avail = device.shell().run("df -B1 --output=avail " + dir + " 2>/dev/null | tail -n 1; awk '/^MemTotal:/ "
                + "{print $2 * 1024}' /proc/meminfo", READ).out();
        String[] l = avail.split("\n");
        if (l.length < 2 || !l[0].strip().matches("\\d+")) {
            items.add(new Item("dump target", Status.PROBLEM, dir + " does not exist on the host", "create it, or fix the kdump "
                    + "configuration (" + target.describe() + ")"));
            return;
        }
        long free = Long.parseLong(l[0].strip());
        long mem = l[1].strip().matches("\\d+") ? Long.parseLong(l[1].strip()) : 0;
        long need = Math.max(MIN_DUMP_ROOM, mem / 20);
        items.add(new Item("dump target", free >= need ? Status.OK : Status.WARN, "local " + dir + ", " + mib(free) + " free"
                + (host.dumpDir() != null && !host.dumpDir().equals(target.location()) ? " (inventory override of "
                + target.describe() + ")" : ""), free >= need ? null : "at least " + mib(need) + " free is advisable for a dump"));
    }

    /**
     * A dump sent over SSH: the host must log in with kdump's key (what the capture kernel will do), the harness must
     * reach the dump server (the inventory's dump_server) and read dumps there, and the directory must take a dump.
     */
    /** The share mounted from the host as the capture kernel will, root writing a probe file in the dump directory. */
    private static void nfsDumpTarget(TargetHost host, Device device, DumpTarget target, List<Item> items) {
        String dir = target.directory();
        java.util.Map<String, String> c = io.kdumplab.harness.util.KeyValues.parse(
                device.runRoot(DumpFiles.nfsCheckCommand(target.remote(), dir), Duration.ofSeconds(60)).out());
        boolean ok = "yes".equals(c.get("mounted")) && "yes".equals(c.get("exists")) && "yes".equals(c.get("writable"));
        String what = !"yes".equals(c.get("mounted")) ? host.name() + " cannot mount " + target.remote() + ": "
                + c.getOrDefault("mount_error", "no answer").strip()
                : !"yes".equals(c.get("exists")) ? "no directory " + (dir.isEmpty() ? "/" : dir) + " in " + target.remote()
                : !"yes".equals(c.get("writable")) ? "root on " + host.name() + " cannot write in " + target.remote()
                + (dir.isEmpty() ? "" : " " + dir) + " (a root-squashing export?)"
                : "nfs " + target.location() + ", mounted from " + host.name() + ", root writes there, " + c.get("free_kib") + " KiB free";
        items.add(new Item("dump target", ok ? Status.OK : Status.PROBLEM, what, ok ? null
                : "export it writable for root from this host (no_root_squash), create the directory, install the NFS client"));
    }

    private static void sshDumpTarget(TargetHost host, Device device, DumpTarget target, List<Item> items) {
        var server = host.dumpServer();
        if (server == null) {
            items.add(new Item("dump target", Status.PROBLEM, target.describe() + ": the inventory does not say how the harness "
                    + "reaches that dump server", "add dump_server (host, user, key, host_key_fingerprint) to host '" + host.name() + "'"));
            return;
        }
        var login = device.runRoot(target.hostLoginCheck(), Duration.ofSeconds(20));
        items.add(new Item("dump server from the host", login.ok() ? Status.OK : Status.PROBLEM, login.ok()
                ? host.name() + " logs in to " + target.remote() + " " + target.keyDescription()
                : host.name() + " cannot log in to " + target.remote() + ": " + (login.stderr().isBlank() ? login.stdout() : login.stderr()).strip(),
                login.ok() ? null : "fix the host's key or known_hosts for its dump server (kdump-config propagate, kdumpctl propagate; ssh-copy-id for SUSE's kdump)"));
        String dir = host.dumpDir() != null ? host.dumpDir() : target.directory();
        try (var shell = io.kdumplab.harness.device.drivers.Devices.shellTo(server,
                Deadline.in("SSH to the dump server " + server.describe(), Duration.ofSeconds(20)))) {
            var kv = io.kdumplab.harness.util.KeyValues.parse(shell.run(DumpFiles.SERVER_PATH + DumpFiles.targetCheckCommand(dir)
                    + "; command -v makedumpfile >/dev/null && echo makedumpfile=yes", READ).out());
            long mem = Long.parseLong(device.shell().run("awk '/^MemTotal:/ {print $2 * 1024}' /proc/meminfo", READ).out()
                    .strip().replaceAll("\\D", "0"));
            long need = Math.max(MIN_DUMP_ROOM, mem / 20);
            if (!"yes".equals(kv.get("exists")) || !"yes".equals(kv.get("writable"))) {
                items.add(new Item("dump target", Status.PROBLEM, "ssh " + server.describe() + ":" + dir
                        + (!"yes".equals(kv.get("exists")) ? " does not exist" : " is not writable by " + kv.get("user")),
                        "create it, owned by the account the host logs in as"));
            } else if (!"yes".equals(kv.get("makedumpfile"))) {
                items.add(new Item("dump target", Status.PROBLEM, "the dump server " + server.describe() + " has no makedumpfile",
                        "install makedumpfile there: the harness reads the run's dump where it lies"));
            } else {
                long free = kv.getOrDefault("free_kib", "0").matches("\\d+") ? Long.parseLong(kv.get("free_kib")) * 1024 : 0;
                items.add(new Item("dump target", free >= need ? Status.OK : Status.WARN, target.describe() + "; read on "
                        + server.describe() + ", " + mib(free) + " free there", free >= need ? null : "at least " + mib(need)
                        + " free is advisable for a dump"));
            }
        } catch (InfrastructureException e) {
            items.add(new Item("dump target", Status.UNREACHABLE, "the dump server " + server.describe() + ": " + e.getMessage(),
                    "check the inventory's dump_server and the way from here to it"));
        }
    }

    private static void console(TargetHost host, Device device, Path scratch, List<Item> items) {
        try {
            Files.createDirectories(scratch);
            ConsoleSource console = device.openConsole(scratch, m -> { });
            ConsoleMarker.await(device, console, "kdump-harness-check-" + Long.toHexString(System.nanoTime()),
                    Deadline.in("the marker on the console", Duration.ofSeconds(30)));
            items.add(new Item("console", Status.OK, host.console().describe() + " carries the kernel log", null));
        } catch (WaitTimeoutException | InfrastructureException e) {
            items.add(new Item("console", Status.UNREACHABLE, host.console().describe() + ": " + e.getMessage(),
                    "check the console path and that the kernel's console= points at it"));
        } catch (java.io.IOException e) {
            items.add(new Item("console", Status.PROBLEM, "cannot write the console log under " + scratch + ": " + e.getMessage(),
                    "check the reports directory"));
        }
    }

    private static void bmc(Device device, List<Item> items) {
        try (Bmc bmc = device.freshBmc()) {
            String power = bmc.powerState().name().toLowerCase(java.util.Locale.ROOT);
            var noNmi = bmc.cannotSendNmi();
            items.add(new Item("bmc", noNmi.isPresent() ? Status.PROBLEM : Status.OK, bmc.describe() + ", power " + power
                    + (noNmi.isPresent() ? "; " + noNmi.get() : ", NMI offered")
                    + bmc.standingInFor().map(why -> "; " + why).orElse(""), noNmi.isPresent()
                    ? "use a BMC that offers an NMI (IPMI's diagnostic interrupt, Redfish's Nmi reset)" : null));
        } catch (ConfigurationException e) {
            items.add(new Item("bmc", Status.PROBLEM, e.getMessage(), e.hint()));
        } catch (HarnessException e) {
            items.add(new Item("bmc", Status.UNREACHABLE, e.getMessage(), "check the BMC's address, that it answers, and its account"));
        }
    }

    private static String mib(long bytes) {
        return bytes >= (10L << 30) ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }
}
