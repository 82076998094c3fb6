package io.kdumplab.harness.device.boot;

import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Heartbeat;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Puts a host on a kernel, for every mode (repro --kernel, bisection, nightly): installs builds, boots one once
 * (a kernel that does not come up falls back to the old default at the next power cycle), makes it the default,
 * restores the original boot setup, reboots and power-cycles waiting for a new boot. Everything goes through the
 * open {@link Device} (its shell, its BMC, its one way to run as root), and every action that changes the host is
 * checked against the fence first: an orchestrator that lost the host does not touch it.
 */
public final class Provisioner {
    private static final Duration READ = Duration.ofSeconds(15);

    private final Device device;
    private final Fence fence;
    private final Consumer<String> log;
    private BootEntries entries;

    /** device: with its shell open. */
    public Provisioner(Device device, Fence fence, Consumer<String> log) {
        this.device = device;
        this.fence = fence;
        this.log = log;
    }

    /** The host's family (the device detected it once: the inventory's word, else os-release). */
    public Distro.Family family() {
        return device.distro().family();
    }

    private BootEntries entries() {
        if (entries == null) {
            entries = BootEntries.forFamily(family());
        }
        return entries;
    }

    public String running() {
        return device.shell().check("uname -r", READ);
    }

    /** The kernel releases the host can boot (from /boot/vmlinuz-*). */
    public List<String> installed() {
        String out = device.shell().run("ls -1 /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||'", READ).out();
        return out.isEmpty() ? List.of() : Arrays.stream(out.split("\n")).map(String::strip).sorted().toList();
    }

    /** Installs a build with the host's package manager or kernel hooks; returns the install log. */
    public String install(KernelPackage build, Duration timeout) {
        fence.check("installing " + build.label());
        log.accept("installing " + build.label() + " (" + build.kind().name().toLowerCase(java.util.Locale.ROOT) + ")");
        try (Heartbeat hb = Heartbeat.of("installing " + build.label() + " on " + device.host(), log)) {
            return new KernelInstaller(timeout).install(device, family(), build);
        }
    }

    public BootEntries.Original captureBoot() {
        return entries().capture(device);
    }

    public void makeDefault(String release) {
        fence.check("making " + release + " the default boot entry");
        entries().makeDefault(device, release);
    }

    /** The original default back (a one-time boot pending is dropped). */
    public void restoreBoot(BootEntries.Original original) {
        fence.check("restoring the boot setup");
        entries().restore(device, original);
    }

    /**
     * The root command that boots `release` once, resolved now and run later by the caller (the nightly run arms the
     * next cell's kernel right before its crash, under the run's own fence check); empty when the host does not have
     * the kernel or no boot entry boots it.
     */
    public Optional<String> bootOnceCommand(String release) {
        if (!installed().contains(release)) {
            return Optional.empty();
        }
        try {
            return Optional.of(entries().bootOnceCommand(device, release));
        } catch (BuildProblem e) {
            return Optional.empty();
        }
    }

    /** Drops a one-time boot that no reboot consumed (a no-op when none is pending). */
    public void clearBootOnce() {
        fence.check("dropping a pending one-time boot");
        device.root(entries().clearOnceCommand(), Duration.ofSeconds(60));
    }

    /**
     * Boots `release` once: arms it, reboots and waits for a new boot; a host that does not come back is power-cycled
     * onto its default entry. False when the build did not come back (the host is on its default kernel then, or
     * does not answer at all).
     */
    public boolean bootOnce(String release, Duration timeout) {
        fence.beforeOutage("rebooting into " + release, timeout);
        BootEntries.root(device, entries().bootOnceCommand(device, release));
        log.accept("booting " + release + " once (the default entry stays as it is)");
        long t0 = System.nanoTime();
        if (rebootUnfenced(timeout)) {
            log.accept("back on SSH with a new boot after " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
            return true;
        }
        log.accept(release + " did not come back on SSH within " + timeout.toSeconds()
                + " s; power-cycling through the BMC (the default entry boots)");
        powerCycle(timeout);
        return false;
    }

    /** Reboots and waits for a new boot; false when SSH did not come back in time. */
    public boolean reboot(Duration timeout) {
        fence.beforeOutage("a reboot", timeout);
        return rebootUnfenced(timeout);
    }

    private boolean rebootUnfenced(Duration timeout) {
        String before = device.bootId();
        device.reboot();
        return device.awaitNewBoot(before, newBoot(timeout));
    }

    /** A BMC power cycle of a host that may not answer, then a wait for a new boot; false when it did not come back. */
    public boolean powerCycle(Duration timeout) {
        fence.beforeRecovery("a power cycle", timeout);
        String before = device.probeBootId(Duration.ofSeconds(5)).orElse("");
        device.freshBmc().powerCycle();
        return device.awaitNewBoot(before, newBoot(timeout));
    }

    private Deadline newBoot(Duration timeout) {
        return Deadline.in(device.host() + " back on SSH with a new boot", timeout).reportingTo(log);
    }

    /**
     * Makes sure the host runs `release`: nothing to do when it already does, else a one-time boot into it. A kernel
     * the host does not have is an input error naming the kernels it has; one that does not boot is an
     * infrastructure outcome (never a FAIL).
     *
     * @return what was done, for the log
     */
    public String ensureRunning(String release, Duration timeout) {
        if (running().equals(release)) {
            return "already running " + release;
        }
        List<String> kernels = installed();
        if (!kernels.contains(release)) {
            throw new ConfigurationException("kernel " + release + " is not installed on " + device.host(),
                    "kernels " + device.host() + " has: " + String.join(", ", kernels)
                            + " (give the kernel's build artifacts to install it first: repro --kernel-artifacts DIR)");
        }
        boolean back;
        try {
            back = bootOnce(release, timeout);
        } catch (BuildProblem e) {
            throw new ConfigurationException(e.getMessage(), "check the host's boot loader entries");
        }
        if (!back) {
            throw new InfrastructureException("host", release + " did not boot to SSH on " + device.host() + " within "
                    + timeout.toSeconds() + " s", "check the console log; the host is back on its default kernel");
        }
        String now = running();
        if (!now.equals(release)) {
            throw new InfrastructureException("host", device.host() + " booted " + now + " instead of " + release,
                    "check the boot loader (GRUB_DEFAULT=saved is needed for grub-reboot)");
        }
        return "booted " + release + " once";
    }
}
