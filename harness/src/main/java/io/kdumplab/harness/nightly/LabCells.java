package io.kdumplab.harness.nightly;

import io.kdumplab.harness.bisect.BuildList;
import io.kdumplab.harness.bisect.KernelBoot;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.Devices;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.inventory.TargetHost;
import io.kdumplab.harness.inventory.VirtualLabs;
import io.kdumplab.harness.lease.HostClaim;
import io.kdumplab.harness.lease.Hold;
import io.kdumplab.harness.run.Fence;
import io.kdumplab.harness.report.RunReports;
import io.kdumplab.harness.run.NextBoot;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.run.ScenarioLoader;
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
        try {
            TargetHost host = target(cell.host());
            NightlyPlan.Kernel k = plan.kernel(cell.kernel());
            String release = cell.build();
            KernelBoot boot = new KernelBoot(host, BOOT_TIMEOUT, m -> log.accept("[" + cell.host() + "] " + m));
            Path source = k.isSeries() ? k.series() : k.artifacts();
            // a build is installed once per night and host, even when its kernel is there already: a build is more
            // than its kernel (its other packages, e.g. a module that loads at boot, are part of what is tested)
            // counted once it succeeded: a cell retried after a failed install installs again
            String installKey = cell.host() + "|" + release;
            if (source != null && !installedTonight.contains(installKey)) {
                fence.check("installing " + release);
                try (var hb = io.kdumplab.harness.wait.Heartbeat.of("installing " + release + " on " + cell.host(),
                        m -> log.accept("[" + cell.host() + "] " + m))) {
                    boot.install(source, release);
                }
                installedTonight.add(installKey);
            }
            fence.beforeOutage("booting " + release, BOOT_TIMEOUT);
            log.accept("[" + cell.host() + "] " + boot.ensureRunning(release));
            NextBoot chain = chain(cell, next, boot);
            ReproRun run = new ReproRun(host, scenario(plan, cell.scenario()), new ReproRun.Options(true, plan.hangAfter(),
                    m -> log.accept("[" + cell.host() + "] " + m)).withAfterRun(RunReports::write).withFence(fence)
                    .withNextBoot(chain), runsDir);
            RunResult r = run.execute();
            if (chain != NextBoot.UNCHANGED) {
                unchain(cell.host(), boot);
            }
            if (r.reportsStorageFailure != null) {
                // the orchestrator's disk, not the host: the kernel's verdict stands, the host is not marked unhealthy
                log.accept("[" + cell.host() + "] ORCHESTRATOR PROBLEM: " + r.reportsStorageFailure + "; the cell's verdict "
                        + r.verdict + " is kept in " + r.fallbackDir);
                return new CellResult(r.verdict, r.reason + " [reports: " + r.reportsStorageFailure + "]", r.fallbackDir,
                        r.target == null ? release : r.target.kernel, r.reportsStorageFailure);
            }
            return new CellResult(r.verdict, r.reason, run.dir().toString(), r.target == null ? release : r.target.kernel);
        } catch (ConfigurationException e) {
            log.accept("[" + cell.host() + "] " + e.getMessage());
            return new CellResult("CONFIG_ERROR", e.getMessage(), null, null);
        } catch (io.kdumplab.harness.failure.CancelledException e) {
            throw e;
        } catch (HarnessException e) {
            return new CellResult("INFRA_ERROR", e.getMessage(), null, null);
        }
    }

    /**
     * The next cell's kernel as the boot after this cell's crash, when the host has it already (no install pending for
     * it tonight): a night of N cells on one kernel then pays one boot, not N. The next cell still checks `uname -r`.
     */
    private NextBoot chain(CellRow cell, CellRow next, KernelBoot boot) {
        if (next == null || next.build() == null) {
            return NextBoot.UNCHANGED;
        }
        NightlyPlan.Kernel k = plan.kernel(next.kernel());
        if (k.installs() && !installedTonight.contains(next.host() + "|" + next.build())) {
            return NextBoot.UNCHANGED;
        }
        try {
            return boot.nextBootInto(next.build());
        } catch (RuntimeException e) {
            log.accept("[" + cell.host() + "] note: not chaining into the next cell's kernel: " + e.getMessage());
            return NextBoot.UNCHANGED;
        }
    }

    /** A one-time boot that no reboot consumed (the run did not crash) must not outlive the cell. */
    private void unchain(String host, KernelBoot boot) {
        try {
            boot.clearNextBoot();
        } catch (RuntimeException e) {
            log.accept("[" + host + "] note: could not drop the armed one-time boot (" + e.getMessage()
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
            try (var bmc = dev.freshBmc()) {
                bmc.powerState();
            }
            Path tmp = java.nio.file.Files.createTempDirectory("health");
            var console = dev.openConsole(tmp, m -> { });
            String marker = "kdump-harness-health-" + Long.toHexString(System.nanoTime());
            int from = console.lineCount();
            dev.root("echo '<4>" + marker + "' > /dev/kmsg", Duration.ofSeconds(15));
            console.await(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(marker)), from,
                    d.child("the health marker on the console", Duration.ofSeconds(20)));
            // right after a boot kdump-tools may still be loading the capture kernel: give it until the deadline
            String loaded = "";
            while (true) {
                loaded = dev.shell().run("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(15)).out().strip();
                if (loaded.equals("1")) {
                    return null;
                }
                if (d.remaining().toSeconds() < 5) {
                    return "the capture kernel is not loaded (/sys/kernel/kexec_crash_loaded = " + loaded + ")";
                }
                Thread.sleep(3000);
            }
        } catch (InfrastructureException e) {
            return e.component() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (java.io.IOException | RuntimeException e) {
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
        try (Device dev = Devices.of(host)) {
            fence.beforeOutage("a power cycle of " + hostName, BOOT_TIMEOUT);
            try (var bmc = dev.freshBmc()) {
                bmc.powerCycle();
            }
        }
        // back on SSH within the boot timeout, or the health check that follows says so
        Deadline d = Deadline.in(hostName + " back on SSH after the power cycle", BOOT_TIMEOUT).reportingTo(log);
        io.kdumplab.harness.wait.WaitProgress progress = new io.kdumplab.harness.wait.WaitProgress(d);
        while (!d.expired()) {
            progress.tick("no SSH yet");
            try (SshShell ssh = SshShell.connect(host.ssh(), Duration.ofSeconds(10))) {
                return;
            } catch (RuntimeException e) {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
