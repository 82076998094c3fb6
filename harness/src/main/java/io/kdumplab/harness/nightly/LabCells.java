package io.kdumplab.harness.nightly;

import io.kdumplab.harness.builds.BuildList;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.drivers.Devices;
import io.kdumplab.harness.device.boot.Provisioner;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.inventory.VirtualLabs;
import io.kdumplab.harness.lease.HostClaim;
import io.kdumplab.harness.lease.Hold;
import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.report.RunReports;
import io.kdumplab.harness.run.NextBoot;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.run.ScenarioLoader;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.wait.Deadline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Real cells: the host is put on the cell's kernel (installed from the series'
 * newest build or from artifacts when needed, booted once so the host's default
 * entry stays), then the repro run, fenced by the host's lease and claim. The health
 * check opens SSH, a BMC session and the console, and checks that the console
 * carries the kernel log and the capture kernel is loaded.
 */
public final class LabCells implements CellRunner, HostControl {
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(30);

    private final NightlyPlan plan;
    private final Inventory inventory;
    private final VirtualLabs labs;
    private final Path runsDir;
    private final Consumer<String> log;
    private final java.util.Map<String, TargetHost> resolved = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> installedTonight = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public LabCells(NightlyPlan plan, VirtualLabs labs, Path runsDir, Consumer<String> log) {
        this.plan = plan;
        this.labs = labs;
        // read once per night: every cell and health check of the night resolves its host from it
        this.inventory = plan.inventory() != null ? Inventory.load(plan.inventory()) : Inventory.virtualLab("default", "tcp");
        this.runsDir = runsDir;
        this.log = log;
    }

    /**
     * A host's endpoints, resolved at its first use tonight (a virtual lab that is not up, left over included, is
     * brought up then) and kept: a lab whose BMC dies mid-night is an unhealthy host, not one to restart silently.
     */
    TargetHost target(String host) {
        return resolved.computeIfAbsent(host, h -> inventory.resolve(h, labs));
    }

    /** The build a kernel column stands for tonight: the series' newest, or the release itself. */
    public static String buildOf(NightlyPlan.Kernel k) {
        if (k.isSeries()) {
            BuildList b = BuildList.loadAny(k.series());
            return b.get(b.size() - 1).kernelRelease();
        }
        return k.release();
    }

    public static Scenario scenario(NightlyPlan plan, String name) {
        return Scenario.named(name, Scenario.seed())
                .orElseGet(() -> ScenarioLoader.load(plan.file().getParent().resolve(name)));
    }

    @Override
    public CellResult run(CellRow cell, CellRow next, Fence fence) {
        Consumer<String> hostLog = m -> log.accept("[" + cell.host() + "] " + m);
        try {
            TargetHost host = target(cell.host());
            NightlyPlan.Kernel k = plan.kernel(cell.kernel());
            String release = cell.build();
            Path source = k.isSeries() ? k.series() : k.artifacts();
            NextBoot chain;
            try (Device dev = open(host, hostLog)) {
                Provisioner p = new Provisioner(dev, fence, hostLog);
                // a build is installed once per night and host, even when its kernel is there already: a build is more
                // than its kernel (its other packages, e.g. a module that loads at boot, are part of what is tested)
                // counted once it succeeded: a cell retried after a failed install installs again
                String installKey = cell.host() + "|" + release;
                if (source != null && !installedTonight.contains(installKey)) {
                    p.install(BuildList.buildOf(source, release), INSTALL_TIMEOUT);
                    installedTonight.add(installKey);
                }
                hostLog.accept(p.ensureRunning(release, BOOT_TIMEOUT));
                chain = chain(cell, next, p);
            } catch (io.kdumplab.harness.device.boot.BuildProblem e) {
                // the plan's build is at fault (it does not install, or has no boot entry): the input, not the host
                hostLog.accept(e.getMessage());
                return new CellResult(Verdict.CONFIG_ERROR, "the build of " + release + " could not be put on the host: "
                        + e.getMessage(), null, null);
            }
            ReproRun run = new ReproRun(host, scenario(plan, cell.scenario()), new ReproRun.Options(true, plan.hangAfter(),
                    hostLog).withAfterRun(RunReports::write).withFence(fence).withNextBoot(chain), runsDir);
            RunResult r = run.execute();
            if (chain != NextBoot.UNCHANGED) {
                unchain(host, fence, hostLog);
            }
            if (r.reportsStorageFailure != null) {
                // the orchestrator's disk, not the host: the kernel's verdict stands, the host is not marked unhealthy
                hostLog.accept("ORCHESTRATOR PROBLEM: " + r.reportsStorageFailure + "; the cell's verdict "
                        + r.verdict + " is kept in " + r.fallbackDir);
                return new CellResult(r.verdict, r.reason + " [reports: " + r.reportsStorageFailure + "]", r.fallbackDir,
                        r.target == null ? release : r.target.kernel, r.reportsStorageFailure, diagnosis(r));
            }
            return new CellResult(r.verdict, r.reason, run.dir().toString(), r.target == null ? release : r.target.kernel)
                    .withDiagnosis(diagnosis(r));
        } catch (ConfigurationException e) {
            hostLog.accept(e.getMessage());
            return new CellResult(Verdict.CONFIG_ERROR, e.getMessage(), null, null);
        } catch (io.kdumplab.harness.failure.CancelledException e) {
            throw e;
        } catch (HarnessException e) {
            return new CellResult(Verdict.INFRA_ERROR, e.getMessage(), null, null);
        }
    }

    private static String diagnosis(RunResult r) {
        return r.diagnosis == null ? null : r.diagnosis.shortText();
    }

    /** The host with its shell open (within the boot timeout: a cell may follow a reboot), saying so while it waits. */
    private static Device open(TargetHost host, Consumer<String> hostLog) {
        Device dev = Devices.of(host);
        try {
            dev.openShell(Deadline.in(host.name() + " answers on SSH", BOOT_TIMEOUT).reportingTo(hostLog));
            return dev;
        } catch (RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    /**
     * The next cell's kernel as the boot after this cell's crash, when the host has it already (no install pending for
     * it tonight): a night of N cells on one kernel then pays one boot, not N. The next cell still checks `uname -r`.
     */
    private NextBoot chain(CellRow cell, CellRow next, Provisioner p) {
        if (next == null || next.build() == null) {
            return NextBoot.UNCHANGED;
        }
        NightlyPlan.Kernel k = plan.kernel(next.kernel());
        if (k.installs() && !installedTonight.contains(next.host() + "|" + next.build())) {
            return NextBoot.UNCHANGED;
        }
        try {
            String release = next.build();
            return p.bootOnceCommand(release).<NextBoot>map(command -> device -> {
                device.root(command, Duration.ofSeconds(45));
                return "the reboot after the crash boots " + release + " (the next cell's kernel; no boot of its own)";
            }).orElse(NextBoot.UNCHANGED);
        } catch (HarnessException e) {
            log.accept("[" + cell.host() + "] note: not chaining into the next cell's kernel: " + e.getMessage());
            return NextBoot.UNCHANGED;
        }
    }

    /** A one-time boot that no reboot consumed (the run did not crash) must not outlive the cell. */
    private static void unchain(TargetHost host, Fence fence, Consumer<String> hostLog) {
        try (Device dev = open(host, hostLog)) {
            new Provisioner(dev, fence, hostLog).clearBootOnce();
        } catch (InfrastructureException e) {
            hostLog.accept("note: could not drop the armed one-time boot (" + e.getMessage()
                    + "); the next cell boots its own kernel either way");
        }
    }

    @Override
    public String healthProblem(String hostName) {
        TargetHost host;
        try {
            host = target(hostName);
        } catch (HarnessException e) {
            return "cannot resolve " + hostName + ": " + e.getMessage();
        }
        Deadline d = Deadline.in("health check of " + hostName, HEALTH_TIMEOUT);
        try (Device dev = Devices.of(host)) {
            dev.openShell(d);
            // right after a boot kdump-tools may still be loading the capture kernel: give it until the deadline
            String loaded = "";
            while (!loaded.equals("1") && d.remaining().toSeconds() >= 5) {
                loaded = dev.shell().run("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(15)).out().strip();
                if (!loaded.equals("1")) {
                    Thread.sleep(3000);
                }
            }
        } catch (InfrastructureException e) {
            return e.component() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (HarnessException | io.kdumplab.harness.wait.WaitTimeoutException e) {
            return e.getMessage();
        }
        // then everything `host check` checks (the same checks a person runs before a host's first night): the
        // host is unhealthy for the night with what it reports as a problem or unreachable
        try (Device dev = Devices.of(host)) {
            var report = io.kdumplab.harness.run.HostCheck.check(host, dev, java.nio.file.Files.createTempDirectory("health"));
            java.util.List<String> problems = report.items().stream()
                    .filter(i -> i.status() == io.kdumplab.harness.run.HostCheck.Status.PROBLEM
                            || i.status() == io.kdumplab.harness.run.HostCheck.Status.UNREACHABLE)
                    .map(i -> i.check() + ": " + i.detail()).toList();
            return problems.isEmpty() ? null : String.join("; ", problems);
        } catch (InfrastructureException e) {
            return e.component() + ": " + e.getMessage();
        } catch (java.io.IOException | HarnessException | io.kdumplab.harness.wait.WaitTimeoutException e) {
            // what the host and its links did; anything else is a bug in the check and goes to the caller as one
            return e.getMessage();
        }
    }

    @Override
    public Hold claim(String hostName, String night, String databaseFence, Duration wait, Duration reach) {
        return HostClaim.take(Devices.of(target(hostName)), HostClaim.Who.thisProcess("nightly", night + " cells on " + hostName),
                databaseFence, HostClaim.DEFAULT_TTL, reach, wait, m -> log.accept("[" + hostName + "] " + m));
    }

    @Override
    public void powerCycle(String hostName, Fence fence) {
        TargetHost host = target(hostName);
        Consumer<String> hostLog = m -> log.accept("[" + hostName + "] " + m);
        // back on SSH within the boot timeout, or the health check that follows says so
        try (Device dev = Devices.of(host)) {
            if (!new Provisioner(dev, fence, hostLog).powerCycle(BOOT_TIMEOUT)) {
                hostLog.accept("not back on SSH within " + BOOT_TIMEOUT.toSeconds() + " s after the power cycle");
            }
        }
    }
}
