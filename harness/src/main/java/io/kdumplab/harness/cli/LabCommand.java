package io.kdumplab.harness.cli;

import io.kdumplab.harness.builds.Build;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.lab.LabSpec;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.lab.LabStatus;
import io.kdumplab.harness.lab.VirtualLab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "The virtual lab: a real BMC (ipmi_sim) owning a QEMU x86 guest with Debian, sshd, kdump and an 8250 ttyS0.",
        subcommands = {LabCommand.Up.class, LabCommand.Down.class, LabCommand.Status.class, LabCommand.Reset.class,
                LabCommand.Console.class, LabCommand.Ssh.class, LabCommand.Image.class, LabCommand.DemoBuildsCommand.class,
                LabBenchCommand.class, LabCommand.RedfishFaultsCommand.class, LabCommand.DumpTargetCommand.class})
public final class LabCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** --name, shared by every lab subcommand. */
    static final class NameOption {
        @Option(names = "--name", defaultValue = LabSpec.DEFAULT_NAME, description = "lab instance (default: ${DEFAULT-VALUE})")
        String name;
    }

    static VirtualLab lab() {
        return new VirtualLab(LabPaths.fromEnvironment(), msg -> System.err.println("[lab] " + msg));
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Start a lab instance and wait until SSH answers and kdump is ready.")
    static final class Up implements Callable<Integer> {
        @Mixin NameOption name;
        @Option(names = "--accel", defaultValue = "tcg", description = "QEMU accelerator: tcg (default; works everywhere) or kvm")
        String accel;
        @Option(names = "--memory", defaultValue = "2048", description = "guest memory in MiB (default: ${DEFAULT-VALUE})")
        int memory;
        @Option(names = "--baud", defaultValue = "115200", description = "serial line rate the console relay enforces (default: ${DEFAULT-VALUE})")
        int baud;
        @Option(names = "--bmc-port", defaultValue = "0", description = "BMC UDP port on 127.0.0.1 (default: a free one)")
        int bmcPort;
        @Option(names = "--ssh-port", defaultValue = "0", description = "SSH forward port (default: a free one)")
        int sshPort;
        @Option(names = "--console-port", defaultValue = "0", description = "console server TCP port (default: a free one)")
        int consolePort;

        @Override
        public Integer call() {
            LabSpec spec = new LabSpec(name.name, accel, memory, 2, baud, bmcPort, sshPort, consolePort);
            long t0 = System.nanoTime();
            LabState s = lab().up(spec);
            System.out.printf("lab '%s' is up in %.0f s: BMC %s:%d/udp, SSH %s:%d, console %s and tcp %s:%d%n",
                    s.name(), (System.nanoTime() - t0) / 1e9, s.host(), s.bmcPort(), s.host(), s.sshPort(),
                    s.ptyLink(), s.host(), s.consolePort());
            return ExitCodes.OK;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop a lab instance: no process, port or lock is left behind.")
    static final class Down implements Callable<Integer> {
        @Mixin NameOption name;

        @Override
        public Integer call() {
            boolean was = lab().down(name.name);
            System.out.println(was ? "lab '" + name.name + "' is down" : "lab '" + name.name + "' was not up: nothing to do");
            return ExitCodes.OK;
        }
    }

    @Command(name = "redfish-faults", mixinStandardHelpOptions = true,
            description = "Make the lab's Redfish service misbehave as real BMCs do (for testing a harness's error paths).",
            footer = {"", "Examples:", "  ./harness.sh lab redfish-faults --unavailable 3      # the next 3 requests get 503",
                    "  ./harness.sh lab redfish-faults --reset-does-nothing  # resets answer 204 and do nothing",
                    "  ./harness.sh lab redfish-faults --clear"})
    static final class RedfishFaultsCommand implements Callable<Integer> {
        @Mixin NameOption name;
        @picocli.CommandLine.Option(names = "--unavailable", paramLabel = "N", description = "Answer 503 (Retry-After: 1) to the next N requests.")
        int unavailable;
        @picocli.CommandLine.Option(names = "--session-limit", paramLabel = "N", description = "Refuse a session beyond N open ones (503).")
        Integer sessionLimit;
        @picocli.CommandLine.Option(names = "--reset-does-nothing", description = "Answer 204 to ComputerSystem.Reset and do nothing.")
        boolean resetDoesNothing;
        @picocli.CommandLine.Option(names = "--no-nmi", description = "List no Nmi among the reset types (as some BMC firmware does).")
        boolean noNmi;
        @picocli.CommandLine.Option(names = "--drop-connections",
                description = "Close every connection without an answer (a crash-looping BMC web server).")
        boolean dropConnections;
        @picocli.CommandLine.Option(names = "--clear", description = "Back to a well-behaved BMC.")
        boolean clear;

        @Override
        public Integer call() {
            LabState s = lab().requireUp(name.name);
            io.kdumplab.harness.lab.RedfishFaults f = clear ? io.kdumplab.harness.lab.RedfishFaults.NONE
                    : new io.kdumplab.harness.lab.RedfishFaults(unavailable, sessionLimit, resetDoesNothing, noNmi,
                            dropConnections);
            io.kdumplab.harness.lab.RedfishFaults.write(lab().dir(s.name()), f);
            System.out.println("lab '" + s.name() + "' Redfish faults: " + (f.equals(io.kdumplab.harness.lab.RedfishFaults.NONE)
                    ? "none" : f));
            return ExitCodes.OK;
        }
    }

    @Command(name = "dump-target", mixinStandardHelpOptions = true,
            description = "Where the lab's guest sends its crash dumps: its own /var/crash (local, the default), the lab's "
                    + "SSH dump server (ssh: kdump-tools' SSH= setting, an sshd of the lab's own, account kdump-dumps) or the "
                    + "lab's NFS server (nfs: kdump-tools' NFS= setting, an NFS-Ganesha of the lab's own, NFSv4).",
            footer = {"", "The choice is kept for the lab's next start. Needs root and ./setup-host.sh (openssh-server and the "
                    + "account; nfs-ganesha).", "", "Examples:", "  ./harness.sh lab dump-target ssh",
                    "  ./harness.sh lab dump-target nfs", "  ./harness.sh lab dump-target local"})
    static final class DumpTargetCommand implements Callable<Integer> {
        @Mixin NameOption name;
        @picocli.CommandLine.Parameters(paramLabel = "ssh|nfs|local", description = "the target")
        String target;

        @Override
        public Integer call() {
            var kind = io.kdumplab.harness.lab.LabDumpTarget.parse(target);
            LabState s = lab().dumpTarget(name.name, kind);
            System.out.println("lab '" + s.name() + "' dump target: " + (s.nfsServer() != null ? "nfs " + s.host() + ":"
                    + s.nfsServer().port() + ":" + s.nfsServer().pseudo() + " (" + s.nfsServer().exportDir() + ")"
                    : s.dumpServer() == null ? "local (/var/crash on the guest)"
                    : "ssh " + s.dumpServer().user() + "@" + s.host() + ":" + s.dumpServer().port() + ":" + s.dumpServer().coreDir()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true, description = "Return a lab instance to the base image (a fresh copy-on-write overlay).")
    static final class Reset implements Callable<Integer> {
        @Mixin NameOption name;

        @Override
        public Integer call() {
            lab().reset(LabSpec.defaults(name.name));
            System.out.println("lab '" + name.name + "' is back at the base image");
            return ExitCodes.OK;
        }
    }

    @Command(name = "image", mixinStandardHelpOptions = true, description = "Build the guest image if it is not cached, and verify it.")
    static final class Image implements Callable<Integer> {
        @Override
        public Integer call() {
            var img = lab().image();
            var k = img.kernels();
            System.out.println("guest image: " + img.disk());
            System.out.println("  default kernel   : " + k.defaultKernel());
            System.out.println("  PREEMPT_RT kernel: " + k.rt());
            System.out.println("  bisection builds : " + String.join(" ", k.bisection()));
            if (!img.packageVersions().isEmpty()) {
                System.out.println("  packages         : " + img.packageVersions());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "demo-builds", mixinStandardHelpOptions = true,
            description = {"Write a bisection test bench of real builds: consecutive Debian kernel packages (image + headers,",
                    "fetched with apt), one directory per build, with a companion package that loads panic_wedge at boot",
                    "from --bad-from on (the regression). Default kernels: the ones the lab image carries besides its default."})
    static final class DemoBuildsCommand implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "directory to write the builds to")
        java.nio.file.Path out;
        @Option(names = "--kernels", split = ",", description = "kernel releases in order (default: the lab image's, oldest first)")
        List<String> kernels;
        @Option(names = "--bad-from", defaultValue = "1", description = "index (0-based) of the first bad build (default ${DEFAULT-VALUE})")
        int badFrom;
        @Option(names = "--probability", defaultValue = "100", description = "percent of panics the regression wedges (default ${DEFAULT-VALUE})")
        int probability;

        @Override
        public Integer call() {
            List<String> ks = kernels;
            if (ks == null) {
                var img = lab().image();
                // not the image's default kernel: that one stays the clean safe kernel
                ks = new ArrayList<>(img.kernels().bisection());
            }
            new io.kdumplab.harness.lab.DemoBuilds(LabPaths.fromEnvironment().cacheRoot(), System.out::println)
                    .create(out, ks, badFrom, probability);
            System.out.println("bisect them with: ./harness.sh bisect run --builds " + out + " --min-repro-rate "
                    + (probability >= 100 ? "1" : String.format(java.util.Locale.ROOT, "%.2f", probability / 100.0)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Endpoints and health of a lab instance.")
    static final class Status implements Callable<Integer> {
        @Mixin NameOption name;
        @Option(names = "--json", description = "machine-readable output")
        boolean json;

        @Override
        public Integer call() throws Exception {
            LabStatus st = lab().status(name.name);
            if (json) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(st));
                return st.up() ? ExitCodes.OK : ExitCodes.INFRA;
            }
            if (!st.up()) {
                System.out.println("lab '" + st.name() + "': down: " + st.condition() + "; run ./harness.sh lab up"
                        + ("default".equals(st.name()) ? "" : " --name " + st.name()));
                return ExitCodes.INFRA;
            }
            System.out.println("lab '" + st.name() + "': up (" + st.accel() + ")");
            System.out.println("  processes : " + st.processes());
            System.out.printf("  BMC       : %s:%d/udp user %s, password file %s — %s, power %s%n", st.bmc().host(),
                    st.bmc().port(), st.bmc().user(), st.bmc().passwordFile(),
                    st.bmc().reachable() ? "reachable" : "UNREACHABLE (" + st.bmc().error() + ")", st.bmc().power());
            if (st.redfish() != null) {
                System.out.printf("  Redfish   : %s user %s, password file %s, certificate %s — %s, power %s%n",
                        st.redfish().url(), st.redfish().user(), st.redfish().passwordFile(), st.redfish().tlsFingerprint(),
                        st.redfish().reachable() ? "reachable" : "UNREACHABLE (" + st.redfish().error() + ")", st.redfish().power());
            }
            System.out.printf("  SSH       : %s@%s:%d key %s host key %s — %s%n", st.ssh().user(), st.ssh().host(),
                    st.ssh().port(), st.ssh().key(), st.ssh().hostKeyFingerprint(),
                    st.ssh().answers() ? "answering" : "NOT ANSWERING (" + st.ssh().error() + ")");
            System.out.printf("  console   : serial %s (%d baud), tcp %s, telnet %s, log %s%n", st.console().serialDevice(),
                    st.console().baud(), st.console().tcp(), st.console().telnet() == null ? "none (ser2net missing)"
                            : st.console().telnet() + " (ser2net, RFC 2217)", st.console().log());
            System.out.println("  SOL       : " + st.console().sol());
            System.out.println("  SSH cons. : " + (st.console().ssh() == null ? "none (sshd or socat missing)" : st.console().ssh()));
            System.out.printf("  kernel    : %s (image: default %s, PREEMPT_RT %s, bisection %s)%n", st.runningKernel(),
                    st.kernels().defaultKernel(), st.kernels().rt(), String.join(" ", st.kernels().bisection()));
            System.out.printf("  kdump     : %s (crashkernel=%s, capture kernel loaded: %s)%n",
                    st.kdump().ready() ? "ready" : "NOT READY", st.kdump().crashkernel(), st.kdump().crashKernelLoaded());
            var dt = st.dumpTarget();
            System.out.println("  dumps     : " + ("local".equals(dt.kind()) ? "local, " + dt.directory()
                    : "ssh to the lab's dump server " + dt.server() + ":" + dt.directory() + " key " + dt.key() + " host key "
                    + dt.hostKeyFingerprint() + " — " + (dt.answers() ? "answering" : "NOT ANSWERING (" + dt.error() + ")"))
                    + " (switch: ./harness.sh lab dump-target ssh|local)");
            System.out.println("  held by   : " + holder(st.name()) + " (queue: ./harness.sh host status --lab " + st.name() + ")");
            return ExitCodes.OK;
        }

        /** The claim on the lab's guest: which run holds it, from the guest itself. */
        private static String holder(String labName) {
            try {
                var host = io.kdumplab.harness.inventory.Inventory.virtualLab(labName, "tcp").resolve("virtual-lab", lab().running());
                var h = io.kdumplab.harness.lease.HostClaim.holderOf(io.kdumplab.harness.device.drivers.Devices.of(host),
                        java.time.Duration.ofSeconds(10));
                return h == null ? "nobody" : h.describe();
            } catch (io.kdumplab.harness.failure.HarnessException e) {
                return "unknown (" + e.getMessage() + ")";
            }
        }
    }

    @Command(name = "console", mixinStandardHelpOptions = true,
            description = "Attach to the guest's ttyS0 through the lab's console server. Ctrl-] detaches.")
    static final class Console implements Callable<Integer> {
        @Mixin NameOption name;

        @Override
        public Integer call() throws Exception {
            LabState s = lab().requireUp(name.name);
            System.err.println("[lab] connected to ttyS0 of '" + s.name() + "' (" + s.baud() + " baud); Ctrl-] detaches");
            try (Socket sock = new Socket(s.host(), s.consolePort())) {
                InputStream fromGuest = sock.getInputStream();
                OutputStream toGuest = sock.getOutputStream();
                Thread out = new Thread(() -> {
                    try {
                        fromGuest.transferTo(System.out);
                    } catch (java.io.IOException ignored) {
                        // detached
                    }
                }, "console-out");
                out.setDaemon(true);
                out.start();
                int c;
                while ((c = System.in.read()) >= 0 && c != 0x1d) {
                    toGuest.write(c);
                    toGuest.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "ssh", mixinStandardHelpOptions = true,
            description = "Open an SSH session to the guest with the pinned host key (extra arguments are the remote command).")
    static final class Ssh implements Callable<Integer> {
        @Mixin NameOption name;
        @Parameters(arity = "0..*", description = "remote command")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            LabState s = lab().requireUp(name.name);
            List<String> cmd = new ArrayList<>(List.of("ssh", "-q", "-i", s.sshKey(), "-p", Integer.toString(s.sshPort()),
                    "-o", "UserKnownHostsFile=" + s.knownHosts(), "-o", "StrictHostKeyChecking=yes",
                    "-o", "IdentitiesOnly=yes", s.sshUser() + "@" + s.host()));
            cmd.addAll(command);
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        }
    }
}
