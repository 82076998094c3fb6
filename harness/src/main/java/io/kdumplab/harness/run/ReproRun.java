package io.kdumplab.harness.run;

import io.kdumplab.harness.device.console.ConsoleCapture;
import io.kdumplab.harness.device.console.ConsoleConnector;
import io.kdumplab.harness.device.console.ConsoleGap;
import io.kdumplab.harness.device.console.ConsoleLine;
import io.kdumplab.harness.device.console.SerialConsoleConnector;
import io.kdumplab.harness.device.console.SolConsoleConnector;
import io.kdumplab.harness.device.console.TcpConsoleConnector;
import io.kdumplab.harness.inventory.TargetHost;
import io.kdumplab.harness.device.distro.DistroBackend;
import io.kdumplab.harness.device.ipmi.ChassisAction;
import io.kdumplab.harness.device.ipmi.IpmiBmc;
import io.kdumplab.harness.device.ipmi.PowerState;
import io.kdumplab.harness.device.ssh.CommandResult;
import io.kdumplab.harness.device.ssh.SshTarget;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.failure.KdumpNotReadyException;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One repro run, the seed's experiment end to end:
 * preflight -> kdump readiness -> sysctls -> spammer -> trigger (NMI via the
 * BMC, or sysrq-c) -> outcome on the console (recovering a hung box by IPMI
 * power cycle) -> evidence (the vmcore) -> verdict -> restore.
 *
 * Every step has a named timeout and is recorded with its duration in
 * result.json, which is rewritten atomically after each step. Target verdicts
 * (PASS/FAIL) and could-not-judge outcomes (INFRA_ERROR, KDUMP_NOT_READY) are
 * kept apart: a failure of SSH, the BMC or the console is never a FAIL.
 */
public final class ReproRun {
    private static final String REMOTE_DIR = "/tmp/kdump-harness";
    private static final Pattern ANY_BOOT = Pattern.compile("Command line: ");

    /** How a run may act on the host. */
    public record Options(boolean configure, Duration quietConsoleTimeout, Consumer<String> progress) {
        public static Options defaults(Consumer<String> progress) {
            return new Options(true, Duration.ofSeconds(60), progress);
        }
    }

    private final TargetHost host;
    private final Scenario scenario;
    private final Options options;
    private final Path dir;
    private final RunResult result = new RunResult();
    private final long cpuAtStart = processCpuNanos();
    private final long t0 = System.nanoTime();

    private RunLog log;
    private ConsoleCapture console;
    private SshTarget ssh;
    private IpmiBmc bmc;
    private DistroBackend distro;
    private String sudo = "";
    private String currentStep = "setup";
    private String bootIdBeforeTrigger;
    private int triggerLine;
    private int powerCycleLine = -1;
    private long cpuAtTrigger = -1;
    private long nanosAtTrigger;
    private long guestClockAtTrigger;
    private boolean rebootedSinceSysctls;
    private boolean kdumpWasReady;
    /** Modules this run inserted; only these are removed at the end (a build may load its own at boot). */
    private final List<String> loadedModules = new java.util.ArrayList<>();
    private volatile boolean finished;
    private volatile boolean stopping;

    public ReproRun(TargetHost host, Scenario scenario, Options options, Path reportsRoot) {
        this.host = host;
        this.scenario = scenario;
        this.options = options;
        String id = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now())
                + "-" + host.name().replaceAll("[^A-Za-z0-9_.-]", "_") + "-"
                + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 4);
        this.dir = reportsRoot.resolve(id);
        result.runId = id;
    }

    public Path dir() {
        return dir;
    }

    public RunResult result() {
        return result;
    }

    /** Runs the experiment. Never throws for target or infrastructure trouble: the verdict says it. */
    public RunResult execute() {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the run directory " + dir, e);
        }
        log = new RunLog(dir.resolve("harness.log"), options.progress());
        Thread onInterrupt = new Thread(this::interrupted, "repro-interrupted");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        result.startedAt = Instant.now().toString();
        recordInputs();
        save();
        log.info("run " + result.runId + " on " + host.name() + ": " + scenario.name() + " (reports in " + dir + ")");
        try {
            preflight();
            kdumpReadiness();
            applySysctls();
            if (scenario.wedge().enabled()) {
                loadWedge();
            }
            if (scenario.spammer().enabled()) {
                startSpammer();
            }
            trigger();
            Outcome outcome = outcome();
            Optional<RunResult.Evidence> evidence = evidence();
            decide(outcome, evidence);
        } catch (KdumpNotReadyException e) {
            setVerdict(Verdict.KDUMP_NOT_READY, e.getMessage(), currentStep);
            log.info("KDUMP_NOT_READY: " + e.describe());
        } catch (InfrastructureException e) {
            setVerdict(Verdict.INFRA_ERROR, e.getMessage(), currentStep);
            log.info("INFRA_ERROR in step " + currentStep + ": " + e.describe());
        } catch (WaitTimeoutException e) {
            setVerdict(Verdict.INFRA_ERROR, e.getMessage(), currentStep);
            log.info("INFRA_ERROR in step " + currentStep + ": " + e.getMessage());
        } catch (HarnessException e) {
            setVerdict(Verdict.INFRA_ERROR, e.getMessage(), currentStep);
            log.info("error in step " + currentStep + ": " + e.describe());
        } finally {
            restore();
            finish();
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down
            }
        }
        return result;
    }

    // ------------------------------------------------------------------ steps

    private void preflight() {
        step("preflight", scenario.timeouts().preflight(), d -> {
            ssh = SshTarget.connect(host.ssh(), Duration.ofSeconds(15));
            String uid = ssh.check("id -u", Duration.ofSeconds(15));
            if (!"0".equals(uid)) {
                if (!ssh.run("sudo -n true", Duration.ofSeconds(15)).ok()) {
                    throw new InfrastructureException("ssh", host.ssh().describe() + " is not root and has no passwordless sudo",
                            "log in as root or allow 'sudo -n' for " + host.ssh().user());
                }
                sudo = "sudo -n ";
            }
            distro = DistroBackend.detect(ssh, host.distro());
            result.target.host = host.name();
            result.target.distro = distro.family();
            result.target.kernel = ssh.check("uname -r", Duration.ofSeconds(15));
            result.target.cmdline = ssh.check("cat /proc/cmdline", Duration.ofSeconds(15));
            log.info("ssh: " + host.ssh().describe() + " (host key verified), kernel " + result.target.kernel + ", "
                    + distro.family() + " family");
            if (!scenario.wedge().enabled() && ssh.run("grep -q '^panic_wedge ' /proc/modules", Duration.ofSeconds(15)).ok()) {
                // the build under test carries the test-only fault (a bisection's simulated regression)
                result.notes.add("panic_wedge was already loaded on the host when the run began (not by this run)");
                log.info("note: panic_wedge is already loaded on the host (part of the installed build)");
            }

            bmc = IpmiBmc.open(host.bmc());
            PowerState power = bmc.powerState();
            if (power != PowerState.ON) {
                throw new InfrastructureException("bmc", host.bmc().describe() + " reports chassis power " + power
                        + " while SSH answers", "check that the inventory pairs this BMC with this host");
            }
            log.info("bmc: RMCP+ session with " + host.bmc().describe() + " (cipher suite 3), power on");

            console = new ConsoleCapture(connector(), dir, log::info).start();
            String marker = "kdump-harness-" + result.runId;
            result.console.source = host.console().describe();
            Wait.until(d.child("console receives the kernel log (" + host.console().describe() + ")", Duration.ofSeconds(30)),
                    Duration.ofSeconds(3), () -> {
                        root("echo '<3>" + marker + " preflight' > /dev/kmsg", Duration.ofSeconds(10));
                        return console.find(Pattern.compile(Pattern.quote(marker)), 0).isPresent()
                                ? Wait.Result.ready(true)
                                : Wait.Result.notYet(console.connected() ? "connected, marker not seen" : "not connected");
                    });
            log.info("console: " + host.console().describe() + " attached and receiving");
            return null;
        }, "console");
    }

    private ConsoleConnector connector() {
        return switch (host.console().type()) {
            case TCP -> new TcpConsoleConnector(host.console().host(), host.console().port());
            case SERIAL -> new SerialConsoleConnector(host.console().device(), host.console().baud(), log::info);
            case SOL -> new SolConsoleConnector(host.bmc(), log::info);
        };
    }

    private void kdumpReadiness() {
        step("kdump-readiness", scenario.timeouts().kdumpReady() + scenario.timeouts().reboot(), d -> {
            String cmdline = result.target.cmdline;
            boolean hasCrash = cmdline.contains("crashkernel=");
            boolean hasConsole = cmdline.matches(".*\\bconsole=ttyS\\d.*");
            boolean loaded = crashKernelLoaded();
            if (hasCrash && loaded && hasConsole) {
                log.info("kdump ready: " + crashkernelArg(cmdline) + ", capture kernel loaded");
                kdumpWasReady = true;
                if (!crashkernelArg(cmdline).equals("crashkernel=" + host.crashkernel())) {
                    result.notes.add("crashkernel on the host (" + crashkernelArg(cmdline) + ") differs from the inventory's ("
                            + host.crashkernel() + "); left as it is");
                }
                return null;
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
            if (!options.configure()) {
                throw new KdumpNotReadyException("kdump is not ready on " + host.name() + ": " + String.join("; ", missing),
                        "run without --no-configure to let the harness fix it (it changes the boot configuration and reboots)");
            }
            List<String> args = new ArrayList<>();
            if (!hasCrash) {
                args.add("crashkernel=" + host.crashkernel());
            }
            if (!hasConsole) {
                args.add("console=ttyS0,115200n8");
            }
            if (!args.isEmpty()) {
                log.info("configuring kdump: adding '" + String.join(" ", args) + "' to the boot configuration ("
                        + distro.family() + ")");
                root(distro.addKernelArgsCommand(String.join(" ", args)), Duration.ofSeconds(120));
                root("systemctl enable " + (distro.family().equals("rhel") ? "kdump" : "kdump-tools") + " >/dev/null 2>&1 || true",
                        Duration.ofSeconds(30));
                reboot(d);
                result.target.cmdline = ssh.check("cat /proc/cmdline", Duration.ofSeconds(15));
                if (!result.target.cmdline.contains("crashkernel=")) {
                    throw new KdumpNotReadyException("after the reboot /proc/cmdline still lacks crashkernel=: "
                            + result.target.cmdline, "check the boot loader configuration of " + host.name());
                }
            }
            try {
                Wait.until(d.child("capture kernel loaded after boot", Duration.ofSeconds(90)), Duration.ofSeconds(3),
                        () -> crashKernelLoaded() ? Wait.Result.ready(true) : Wait.Result.notYet("kexec_crash_loaded=0"));
            } catch (WaitTimeoutException e) {
                log.info("the capture kernel did not load by itself; loading it");
                CommandResult r = ssh.run(sudo + "sh -c '" + distro.enableAndLoadKdumpCommand() + "'", Duration.ofSeconds(180));
                if (!crashKernelLoaded()) {
                    throw new KdumpNotReadyException("the capture kernel does not load on " + host.name() + ": "
                            + (r.stdout() + r.stderr()).strip(), "check crashkernel= size and the kdump service's log");
                }
            }
            log.info("kdump ready after configuration: " + crashkernelArg(result.target.cmdline));
            kdumpWasReady = true;
            return null;
        }, "ssh");
    }

    private void applySysctls() {
        step("sysctls", 60, d -> {
            for (Map.Entry<String, String> e : scenario.sysctls().entrySet()) {
                CommandResult before = ssh.run("sysctl -n " + e.getKey(), Duration.ofSeconds(15));
                if (!before.ok()) {
                    result.notes.add("sysctl " + e.getKey() + " does not exist on this kernel; skipped");
                    continue;
                }
                result.sysctlsOriginal.put(e.getKey(), before.out());
                root("sysctl -qw " + e.getKey() + "=" + e.getValue(), Duration.ofSeconds(15));
                String now = ssh.check("sysctl -n " + e.getKey(), Duration.ofSeconds(15));
                if (!now.equals(e.getValue())) {
                    throw new InfrastructureException("target", "sysctl " + e.getKey() + " reads back " + now + " after writing "
                            + e.getValue(), "check whether the kernel accepts this value");
                }
                result.sysctlsApplied.put(e.getKey(), now);
            }
            log.info("sysctls applied and read back: " + result.sysctlsApplied);
            return null;
        }, "ssh");
    }

    private void loadWedge() {
        step("panic-wedge", scenario.timeouts().spammerBuild(), d -> {
            buildAndInsmod("panic_wedge", ModuleSources.WEDGE, "probability=" + scenario.wedge().probability(), d);
            result.notes.add("test-only module panic_wedge loaded (probability " + scenario.wedge().probability()
                    + "%): the panic path stalls before kdump");
            return null;
        }, "ssh");
    }

    private void startSpammer() {
        step("spammer", scenario.timeouts().spammerBuild() + scenario.timeouts().spammerOnConsole(), d -> {
            Scenario.Spammer s = scenario.spammer();
            int from = console.lineCount();
            buildAndInsmod("printk_spammer", ModuleSources.SPAMMER, "threads=" + s.threads() + " interval_us=" + s.intervalUs()
                    + " msg_len=" + s.msgLen() + " loglevel=" + s.loglevel(), d);
            ConsoleLine first = console.await(Phase.SPAMMER_ON.pattern(), from,
                    d.child("spammer messages on the console", Duration.ofSeconds(scenario.timeouts().spammerOnConsole())));
            phase(Phase.SPAMMER_ON, first);
            log.info("spammer on: " + s.threads() + " threads x 1 msg / " + s.intervalUs() + " us, seen on the console");
            // let the console fall behind, as in the field, before the NMI
            sleep(5000);
            return null;
        }, "ssh");
    }

    private void buildAndInsmod(String module, List<String> files, String params, Deadline d) {
        String remote = REMOTE_DIR + "/" + module;
        Path local = ModuleSources.extract(module, files, dir.resolve(".modules"));
        ssh.check("rm -rf " + remote + " && mkdir -p " + remote, Duration.ofSeconds(15));
        for (String f : files) {
            ssh.upload(local.resolve(f), remote + "/" + f);
        }
        String kver = result.target.kernel;
        CommandResult headers = ssh.run("test -d /lib/modules/" + kver + "/build", Duration.ofSeconds(15));
        if (!headers.ok()) {
            throw new InfrastructureException("target", "kernel headers for " + kver + " are not installed on " + host.name()
                    + " (/lib/modules/" + kver + "/build is missing)",
                    distro.family().equals("rhel") ? "dnf install kernel-devel-" + kver : "apt-get install linux-headers-" + kver);
        }
        log.info("building " + module + " on the target against " + kver);
        CommandResult build = ssh.run("make -s -C /lib/modules/" + kver + "/build M=" + remote + " modules 2>&1",
                d.remaining());
        if (!build.ok()) {
            throw new InfrastructureException("target", "building " + module + " failed on " + host.name() + ":\n"
                    + tail(build.stdout(), 10), "see harness.log; the module must build against the running kernel's headers");
        }
 loadedModules.add(module);
        root("rmmod " + module + " 2>/dev/null; insmod " + remote + "/" + module + ".ko " + params, Duration.ofSeconds(30));
    }

    private void trigger() {
        step("trigger", 60, d -> {
            bootIdBeforeTrigger = ssh.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(15));
            guestClockAtTrigger = Long.parseLong(ssh.check("date +%s", Duration.ofSeconds(15)));
            if (scenario.spammer().enabled()) {
                String emitted = ssh.run("cat /sys/module/printk_spammer/parameters/emitted", Duration.ofSeconds(15)).out();
                if (emitted.matches("\\d+")) {
                    result.console.spammerEmittedAtTrigger = Long.parseLong(emitted);
                }
            }
            triggerLine = console.lineCount();
            powerCycleLine = -1;
            cpuAtTrigger = processCpuNanos();
            nanosAtTrigger = System.nanoTime();
            result.trigger = scenario.trigger() == Scenario.Trigger.NMI ? "nmi" : "sysrq-c";
            if (stopping) {
                throw new InfrastructureException("harness", "interrupted before the trigger", "");
            }
            if (scenario.trigger() == Scenario.Trigger.NMI) {
                freshBmc(); // BMC sessions time out while idle (ipmi_sim: ~30 s); open one right before the NMI
                List<Instant> sent = bmc.nmiBurst(scenario.nmi().count(), Duration.ofMillis(scenario.nmi().spacingMs()));
                sent.forEach(t -> result.nmiSentAt.add(t.toString()));
                result.triggerAt = sent.get(0).toString();
                for (Instant t : sent) {
                    result.phases.add(new PhaseRecord(Phase.NMI_SENT.name(), t.toString(), null, "chassis power diag via the BMC"));
                }
                log.info("NMI x" + sent.size() + " sent through the BMC at " + sent);
            } else {
                result.triggerAt = Instant.now().toString();
                ssh.runExpectingDisconnect(sudo + "sh -c 'echo c > /proc/sysrq-trigger'");
                log.info("sysrq-c written at " + result.triggerAt);
            }
            return null;
        }, "bmc");
    }

    /** What the console and SSH showed after the trigger. */
    enum Outcome { CAPTURE_STARTED, RESET_WITHOUT_CAPTURE, REBOOTED_UNSEEN, HANG_RECOVERED, NO_PANIC }

    private Outcome outcome() {
        Scenario.Timeouts t = scenario.timeouts();
        return step("outcome", t.captureKernel() + t.sshBack() + t.reboot(), d -> {
            Outcome outcome;
            Deadline captureDeadline = d.child("capture kernel starting on the console", Duration.ofSeconds(t.captureKernel()));
            Optional<ConsoleLine> boot = awaitBootOrQuiet(captureDeadline);
            Optional<String> bootNow;
            if (boot.isPresent() && boot.get().text().contains("elfcorehdr=")) {
                outcome = Outcome.CAPTURE_STARTED;
                result.target.captureKernelCmdline = boot.get().text().replaceFirst(".*Command line: ", "").strip();
                log.info("capture kernel started: " + result.target.captureKernelCmdline);
                if (!awaitSshBack(d.child("host back on SSH after the dump", Duration.ofSeconds(t.sshBack())))) {
                    log.info("the host did not come back after the capture kernel; power-cycling it through the BMC");
                    powerCycleAndWait(d);
                }
            } else if (boot.isPresent()) {
                outcome = Outcome.RESET_WITHOUT_CAPTURE;
                log.info("the host rebooted without starting the capture kernel");
                if (!awaitSshBack(d.child("host back on SSH after the reset", Duration.ofSeconds(t.sshBack())))) {
                    powerCycleAndWait(d);
                }
            } else if ((bootNow = currentBootId()).map(id -> id.equals(bootIdBeforeTrigger)).orElse(false)) {
                outcome = Outcome.NO_PANIC;
                log.info("no panic: the host still runs the same boot after the trigger");
            } else if (bootNow.isPresent()) {
                // back with a new boot although the console never showed one (a console gap hid it)
                outcome = Outcome.REBOOTED_UNSEEN;
                log.info("the host rebooted (new boot id) while the console did not show how");
                awaitSshBack(d.child("host back on SSH", Duration.ofSeconds(30)));
            } else {
                outcome = Outcome.HANG_RECOVERED;
                log.info("HANG: no capture kernel on the console and SSH is gone; power-cycling through the BMC");
                powerCycleAndWait(d);
            }
            collectPhases();
            return outcome;
        }, "ssh");
    }

    /** A "Command line:" line (capture kernel or a normal boot), or empty when the deadline or a quiet console ends the wait. */
    private Optional<ConsoleLine> awaitBootOrQuiet(Deadline deadline) {
        long quietMs = options.quietConsoleTimeout().toMillis();
        while (!deadline.expired()) {
            Optional<ConsoleLine> l = console.find(ANY_BOOT, triggerLine);
            if (l.isPresent()) {
                return l;
            }
            long last = Math.max(console.lastDataMillis(), Instant.parse(result.triggerAt).toEpochMilli());
            // A quiet console means a hang only while the link is sound: after a gap the silence may be ours,
            // and power-cycling a box that is still writing its dump would destroy the evidence.
            boolean linkSound = console.connected() && console.gaps().stream()
                    .noneMatch(g -> g.endEpochMillis() >= Instant.parse(result.triggerAt).toEpochMilli());
            if (linkSound && System.currentTimeMillis() - last > quietMs) {
                log.info("console quiet for " + quietMs / 1000 + " s after the trigger");
                return Optional.empty();
            }
            sleep(250);
        }
        log.info(deadline.name() + " timed out after " + deadline.timeout().toSeconds() + " s");
        return Optional.empty();
    }

    /** The host's boot id if SSH answers now. */
    private Optional<String> currentBootId() {
        try (SshTarget probe = SshTarget.probe(host.ssh(), Duration.ofSeconds(10))) {
            String id = probe.run("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)).out();
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (HarnessException e) {
            return Optional.empty();
        }
    }

    private boolean awaitSshBack(Deadline d) {
        try {
            Wait.until(d, Duration.ofSeconds(3), () -> {
                try (SshTarget probe = SshTarget.probe(host.ssh(), Duration.ofSeconds(5))) {
                    String id = probe.run("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)).out();
                    return !id.isEmpty() && !id.equals(bootIdBeforeTrigger) ? Wait.Result.ready(true)
                            : Wait.Result.notYet("same boot id");
                }
            });
        } catch (WaitTimeoutException e) {
            return false;
        }
        if (cpuAtTrigger >= 0 && result.panicToSshBackSeconds == null) {
            result.panicToSshBackSeconds = (System.nanoTime() - nanosAtTrigger) / 1e9;
            result.harnessCpuSecondsInPanicWindow = (processCpuNanos() - cpuAtTrigger) / 1e9;
        }
        reconnectSsh();
        rebootedSinceSysctls = true;
        result.phases.add(new PhaseRecord(Phase.SSH_BACK.name(), Instant.now().toString(), null, "SSH answers with a new boot id"));
        log.info("host back on SSH (new boot)");
        return true;
    }

    private void powerCycleAndWait(Deadline parent) {
        String previous = currentStep;
        currentStep = "recover";
        try {
            freshBmc();
            if (powerCycleLine < 0) {
                powerCycleLine = console.lineCount();
            }
            Instant at = bmc.chassis(ChassisAction.POWER_CYCLE);
            result.phases.add(new PhaseRecord(Phase.POWER_CYCLE.name(), at.toString(), null, "chassis power cycle via the BMC"));
            result.notes.add("host recovered by IPMI power cycle at " + at);
            if (!awaitSshBack(parent.child("host back on SSH after the power cycle", Duration.ofSeconds(scenario.timeouts().reboot())))) {
                throw new InfrastructureException("ssh", host.name() + " did not come back on SSH after an IPMI power cycle",
                        "check the host's console and power by hand");
            }
        } finally {
            currentStep = previous;
        }
    }

    private void reboot(Deadline d) {
        bootIdBeforeTrigger = ssh.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(15));
        log.info("rebooting " + host.name() + " to apply the boot configuration");
        ssh.runExpectingDisconnect(sudo + "systemctl reboot");
        ssh.close();
        if (!awaitSshBack(d.child("host back on SSH after the reboot", Duration.ofSeconds(scenario.timeouts().reboot())))) {
            log.info("no SSH after the reboot; power-cycling through the BMC");
            powerCycleAndWait(d);
        }
    }

    private void freshBmc() {
        if (bmc != null) {
            bmc.close();
        }
        bmc = IpmiBmc.open(host.bmc());
    }

    private void reconnectSsh() {
        if (ssh != null) {
            ssh.close();
        }
        ssh = SshTarget.connect(host.ssh(), Duration.ofSeconds(15));
    }

    private void collectPhases() {
        for (Phase p : new Phase[] {Phase.NMI_SEEN, Phase.PANIC, Phase.CAPTURE_KERNEL, Phase.DUMP_SAVING, Phase.DUMP_SAVED,
                Phase.REBOOT}) {
            int from = triggerLine;
            if (p == Phase.REBOOT) {
                // the reboot that ends the run: a normal boot after the capture kernel (or after the trigger)
                from = console.find(Phase.CAPTURE_KERNEL.pattern(), triggerLine).map(l -> l.index() + 1).orElse(triggerLine);
            }
            int limit = powerCycleLine < 0 ? Integer.MAX_VALUE : powerCycleLine;
            console.find(p.pattern(), from).filter(l -> l.index() < limit).ifPresent(l -> phase(p, l));
        }
        result.phases.sort((a, b) -> Instant.parse(a.at).compareTo(Instant.parse(b.at)));
        // The last phase the panic path reached by itself: anything after our power cycle is the recovery's.
        Optional<Instant> cycle = result.phases.stream().filter(p -> p.phase.equals(Phase.POWER_CYCLE.name()))
                .map(p -> Instant.parse(p.at)).findFirst();
        result.lastPhase = result.phases.stream()
                .filter(p -> !p.phase.equals(Phase.POWER_CYCLE.name()) && !p.phase.equals(Phase.SSH_BACK.name()))
                .filter(p -> cycle.isEmpty() || Instant.parse(p.at).isBefore(cycle.get()))
                .reduce((a, b) -> b).map(p -> p.phase).orElse(null);
    }

    private Optional<RunResult.Evidence> evidence() {
        return step("evidence", scenario.timeouts().evidence(), d -> {
            String listing = ssh.run("stat -c '%Y %s %n' " + distro.dumpGlob(host.dumpDir()) + " 2>/dev/null", Duration.ofSeconds(30)).out();
            Optional<String[]> fresh = listing.lines().map(l -> l.split(" ", 3)).filter(f -> f.length == 3)
                    .filter(f -> Long.parseLong(f[0]) >= guestClockAtTrigger - 5).reduce((a, b) -> b);
            if (fresh.isEmpty()) {
                log.info("no vmcore from this run under " + host.dumpDir());
                return Optional.<RunResult.Evidence>empty();
            }
            RunResult.Evidence ev = new RunResult.Evidence();
            ev.vmcorePath = fresh.get()[2];
            ev.vmcoreSize = Long.parseLong(fresh.get()[1]);
            String dumpDirOfRun = ev.vmcorePath.substring(0, ev.vmcorePath.lastIndexOf('/'));
            String dmesgFile = ssh.run("ls " + dumpDirOfRun + "/" + distro.dmesgGlob("").replaceFirst("^/\\*/", "")
                    + " 2>/dev/null | head -n 1", Duration.ofSeconds(15)).out();
            ev.dmesgFile = dmesgFile.isEmpty() ? null : dmesgFile;
            // The vmcore counts only if it can be read: extract its kernel log with makedumpfile.
            String tmp = REMOTE_DIR + "/evidence";
            String read = "mkdir -p " + tmp + " && rm -f " + tmp + "/*; f='" + ev.vmcorePath + "'; "
                    + "if head -c 12 \"$f\" | grep -q makedumpfile; then makedumpfile -R " + tmp + "/vmcore < \"$f\" >/dev/null 2>&1 && f=" + tmp + "/vmcore; fi; "
                    + "makedumpfile --dump-dmesg \"$f\" " + tmp + "/dmesg.txt >/dev/null 2>&1; rc=$?; rm -f " + tmp + "/vmcore; exit $rc";
            CommandResult r = ssh.run(sudo + "sh -c '" + read.replace("'", "'\\''") + "'", d.remaining());
            ev.readWith = "makedumpfile --dump-dmesg";
            ev.readable = r.ok();
            if (r.ok()) {
                String dmesg = ssh.run("cat " + tmp + "/dmesg.txt", Duration.ofSeconds(30)).stdout();
                List<String> lines = dmesg.lines().toList();
                ev.panicMessage = lines.stream().filter(l -> l.contains("Kernel panic - not syncing")).reduce((a, b) -> b)
                        .map(l -> l.replaceFirst("^\\[\\s*[0-9.]+\\]\\s*", "")).orElse(null);
                ev.lastKernelLines = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 20), lines.size()));
                ev.panicMessageSource = ev.panicMessage == null ? null : "vmcore-dmesg";
            }
            if (ev.panicMessage == null) {
                // Under a flood the dump's log can lack the banner ("Too many dropped messages") while the console had it.
                result.phases.stream().filter(p -> p.phase.equals(Phase.PANIC.name())).findFirst().ifPresent(p -> {
                    ev.panicMessage = p.text.replaceFirst("^\\[\\s*[0-9.]+\\]\\s*", "");
                    ev.panicMessageSource = "console";
                });
            }
            log.info("vmcore " + ev.vmcorePath + " (" + ev.vmcoreSize + " bytes), readable: " + ev.readable
                    + (ev.panicMessage == null ? "" : ", panic: " + ev.panicMessage));
            result.evidence = ev;
            return Optional.of(ev);
        }, "ssh");
    }

    private void decide(Outcome outcome, Optional<RunResult.Evidence> evidence) {
        currentStep = "verdict";
        boolean vmcore = evidence.isPresent() && Boolean.TRUE.equals(evidence.get().readable);
        if (vmcore) {
            setVerdict(Verdict.PASS, "vmcore saved and readable: " + evidence.get().vmcorePath, null);
        } else {
            String last = result.lastPhase == null ? "none" : result.lastPhase;
            String reason = switch (outcome) {
                case HANG_RECOVERED -> "hang: the capture kernel did not start (last phase reached: " + last
                        + "); recovered by IPMI power cycle; no vmcore";
                case RESET_WITHOUT_CAPTURE -> "reset without vmcore: the host rebooted without starting the capture kernel";
                case REBOOTED_UNSEEN -> "reset without vmcore: the host rebooted (the console, interrupted, did not show the path)";
                case NO_PANIC -> "no panic: the host kept running after the " + result.trigger
                        + " (are the NMI sysctls in effect?)";
                case CAPTURE_STARTED -> evidence.isPresent()
                        ? "the capture kernel started but the saved dump is unreadable: " + evidence.get().vmcorePath
                        : "the capture kernel started but no vmcore was saved";
            };
            setVerdict(Verdict.FAIL, reason, null);
        }
        log.info("verdict: " + result.verdict + " (" + result.reason + ")");
    }

    private void restore() {
        String previous = currentStep;
        currentStep = "restore";
        StepRecord rec = begin("restore", 240);
        try {
            if (ssh == null) {
                rec.detail = "host never reached: nothing to restore";
                end(rec, "skipped");
                return;
            }
            try {
                reconnectSsh();
            } catch (HarnessException e) {
                rec.detail = "host not reachable over SSH: " + e.getMessage();
                result.hostBackInService = false;
                end(rec, "failed");
                return;
            }
            if (!loadedModules.isEmpty()) {
                ssh.run(sudo + "sh -c 'for m in " + String.join(" ", loadedModules) + "; do rmmod $m 2>/dev/null; done; true'",
                        Duration.ofSeconds(60));
            }
            if (!rebootedSinceSysctls) {
                for (Map.Entry<String, String> e : result.sysctlsOriginal.entrySet()) {
                    ssh.run(sudo + "sysctl -qw " + e.getKey() + "=" + e.getValue(), Duration.ofSeconds(15));
                }
            }
            boolean loaded;
            if (!kdumpWasReady) {
                // kdump was not ready when the run found the host; there is nothing to wait for
                loaded = crashKernelLoaded();
            } else {
                try {
                    Wait.until(Deadline.in("capture kernel loaded again", Duration.ofSeconds(150)), Duration.ofSeconds(3),
                            () -> crashKernelLoaded() ? Wait.Result.ready(true) : Wait.Result.notYet("kexec_crash_loaded=0"));
                    loaded = true;
                } catch (WaitTimeoutException e) {
                    loaded = false;
                }
            }
            String modules = loadedModules.isEmpty() ? "" : ssh.run("lsmod | grep -E '^(" + String.join("|", loadedModules)
                    + ") ' || true", Duration.ofSeconds(15)).out();
            result.target.kernelAfterRun = ssh.run("uname -r", Duration.ofSeconds(15)).out();
            // back in service = as the run found it: modules gone, and kdump ready again if it was ready before
            result.hostBackInService = modules.isEmpty() && (loaded || !kdumpWasReady);
            rec.detail = "spammer/wedge unloaded: " + modules.isEmpty() + ", sysctls "
                    + (rebootedSinceSysctls ? "reset by the reboot" : "restored") + ", kdump ready: " + loaded;
            log.info("restore: " + rec.detail);
            end(rec, result.hostBackInService ? "ok" : "failed");
        } catch (RuntimeException e) {
            rec.detail = "restore failed: " + e.getMessage();
            result.hostBackInService = false;
            end(rec, "failed");
        } finally {
            currentStep = previous;
        }
    }

    private void finish() {
        if (console != null) {
            console.close();
            result.console.bytes = console.bytes();
            result.console.lines = console.lineCount();
            result.console.droppedMessages = console.droppedMessages();
            result.console.spammerLines = console.lines().stream()
                    .filter(l -> Phase.SPAMMER_ON.pattern().matcher(l.text()).find()).count();
            for (ConsoleGap g : console.gaps()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("from", Instant.ofEpochMilli(g.startEpochMillis()).toString());
                m.put("to", Instant.ofEpochMilli(g.endEpochMillis()).toString());
                m.put("seconds", g.millis() / 1000.0);
                m.put("cause", g.cause());
                result.console.gaps.add(m);
            }
        }
        if (bmc != null) {
            bmc.close();
        }
        if (ssh != null) {
            ssh.close();
        }
        result.harnessCpuSeconds = (processCpuNanos() - cpuAtStart) / 1e9;
        result.finishedAt = Instant.now().toString();
        result.durationSeconds = (System.nanoTime() - t0) / 1e9;
        result.status = stopping ? "interrupted" : "finished";
        if (result.verdict == null) {
            setVerdict(Verdict.INFRA_ERROR, "the run ended without a verdict", currentStep);
        }
        finished = true;
        save();
        try {
            io.kdumplab.harness.report.RunReports.write(dir);
        } catch (RuntimeException e) {
            log.info("reports could not be rendered: " + e + " (rebuild with './harness.sh report " + dir + "')");
        }
        log.info("result: " + dir.resolve("result.json") + ", report: " + dir.resolve("index.html"));
        log.close();
    }

    /** Ctrl-C or kill: keep what is known, mark the run incomplete. */
    private void interrupted() {
        stopping = true; // no further step, above all no NMI, once the user pressed Ctrl-C
        if (finished) {
            return;
        }
        result.status = "interrupted";
        if (result.verdict == null) {
            result.verdict = Verdict.INCOMPLETE.name();
            result.reason = "interrupted during step " + currentStep;
            result.failedStep = currentStep;
        }
        result.finishedAt = Instant.now().toString();
        if ((!loadedModules.isEmpty() || !result.sysctlsOriginal.isEmpty()) && ssh != null) {
            // do not leave a console flood or panic sysctls on the host (best effort: the JVM is going down)
            try (SshTarget quick = SshTarget.probe(host.ssh(), Duration.ofSeconds(3))) {
                quick.run(sudo + "sh -c 'for m in " + String.join(" ", loadedModules) + "; do rmmod $m 2>/dev/null; done; true'",
                        Duration.ofSeconds(5));
                for (Map.Entry<String, String> e : result.sysctlsOriginal.entrySet()) {
                    quick.run(sudo + "sysctl -qw " + e.getKey() + "=" + e.getValue(), Duration.ofSeconds(3));
                }
                result.notes.add("interrupted: spammer/wedge unloaded and sysctls restored on the way out");
            } catch (RuntimeException e) {
                result.notes.add("interrupted: could not unload the spammer (" + e.getMessage() + ")");
            }
        }
        if (console != null) {
            console.close();
            result.console.bytes = console.bytes();
            result.console.lines = console.lineCount();
        }
        save();
        try {
            io.kdumplab.harness.report.RunReports.write(dir);
        } catch (RuntimeException ignored) {
            // the JVM is going down; 'harness report' can rebuild it
        }
    }

    // ------------------------------------------------------------------ helpers

    @FunctionalInterface
    private interface StepBody<T> {
        T run(Deadline d) throws Exception;
    }

    /**
     * Runs a named step under its own deadline and records it. A timeout
     * inside is an infrastructure error of the component the step talks to.
     */
    private <T> T step(String name, long timeoutSeconds, StepBody<T> body, String component) {
        if (stopping) {
            throw new InfrastructureException("harness", "interrupted before step " + name, "");
        }
        currentStep = name;
        StepRecord rec = begin(name, timeoutSeconds);
        Deadline d = Deadline.in(name, Duration.ofSeconds(timeoutSeconds));
        try {
            T value = body.run(d);
            end(rec, "ok");
            return value;
        } catch (HarnessException e) {
            rec.detail = e.getMessage();
            end(rec, e instanceof KdumpNotReadyException ? "not-ready" : "failed");
            throw e;
        } catch (WaitTimeoutException e) {
            rec.detail = e.getMessage();
            end(rec, "timeout");
            throw new InfrastructureException(component, e.getMessage(), "see harness.log and console.log in " + dir, e);
        } catch (RuntimeException e) {
            rec.detail = e.toString();
            end(rec, "failed");
            throw e;
        } catch (Exception e) {
            rec.detail = e.toString();
            end(rec, "failed");
            throw new InfrastructureException(component, e.getMessage(), "see harness.log in " + dir, e);
        }
    }

    private StepRecord begin(String name, long timeoutSeconds) {
        StepRecord rec = new StepRecord(name, timeoutSeconds, Instant.now().toString());
        result.steps.add(rec);
        save();
        return rec;
    }

    private void end(StepRecord rec, String status) {
        rec.status = status;
        rec.durationMillis = Duration.between(Instant.parse(rec.startedAt), Instant.now()).toMillis();
        save();
    }

    private void phase(Phase p, ConsoleLine line) {
        if (result.phases.stream().anyMatch(x -> x.phase.equals(p.name()))) {
            return;
        }
        result.phases.add(new PhaseRecord(p.name(), Instant.ofEpochMilli(line.epochMillis()).toString(), (long) line.index(),
                line.text().length() > 200 ? line.text().substring(0, 200) : line.text()));
    }

    private boolean crashKernelLoaded() {
        return "1".equals(ssh.run("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(15)).out());
    }

    private static String crashkernelArg(String cmdline) {
        for (String a : cmdline.split("\\s+")) {
            if (a.startsWith("crashkernel=")) {
                return a;
            }
        }
        return "(none)";
    }

    private String root(String command, Duration timeout) {
        return ssh.check(sudo.isEmpty() ? command : sudo + "sh -c '" + command.replace("'", "'\\''") + "'", timeout);
    }

    private void setVerdict(Verdict v, String reason, String failedStep) {
        if (stopping && v != Verdict.INCOMPLETE) {
            // whatever the step made of it, a run stopped by Ctrl-C has no verdict
            v = Verdict.INCOMPLETE;
            reason = "interrupted (Ctrl-C) during step " + currentStep;
            failedStep = currentStep;
        }
        result.verdict = v.name();
        result.reason = reason;
        result.failedStep = failedStep;
        save();
    }

    private void recordInputs() {
        result.inputs.put("host", host.name());
        result.inputs.put("ssh", host.ssh().describe());
        result.inputs.put("ssh_host_key", host.ssh().hostKeyFingerprint() != null ? host.ssh().hostKeyFingerprint()
                : "known_hosts " + host.ssh().knownHosts());
        result.inputs.put("bmc", host.bmc().describe());
        result.inputs.put("bmc_password_source", host.bmc().password().source());
        result.inputs.put("console", host.console().describe());
        result.inputs.put("crashkernel", host.crashkernel());
        result.inputs.put("configure", options.configure());
        result.inputs.put("scenario", scenario);
        result.spammer = scenario.spammer();
    }

    private void save() {
        result.save(dir.resolve("result.json"));
    }

    private static String tail(String s, int n) {
        List<String> l = s.lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long processCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    /** The step running now, if any (for progress displays). */
    public synchronized Optional<StepRecord> runningStep() {
        for (int i = result.steps.size() - 1; i >= 0; i--) {
            if ("running".equals(result.steps.get(i).status)) {
                return Optional.of(result.steps.get(i));
            }
        }
        return Optional.empty();
    }

    /** Phases seen so far, by name. */
    public List<String> phasesSeen() {
        synchronized (result) {
            return result.phases.stream().map(p -> p.phase).distinct().toList();
        }
    }
}
