package io.kdumplab.harness.bisect;

import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.inventory.TargetHost;
import io.kdumplab.harness.run.NextBoot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Puts a host on a chosen kernel for the next run (`repro --kernel`, later a nightly cell): installs it first
 * from build artifacts when asked, then boots it once (grub-reboot / grub2-reboot), so the host's default entry
 * stays what it was, and checks `uname -r`. A kernel the host does not have is an input error naming the
 * kernels it has; a kernel that does not boot is an infrastructure outcome (never a FAIL).
 */
public final class KernelBoot {
    private final TargetHost host;
    private final Duration bootTimeout;
    private final Consumer<String> log;
    private final HostPower power;

    public KernelBoot(TargetHost host, Duration bootTimeout, Consumer<String> log) {
        this.host = host;
        this.bootTimeout = bootTimeout;
        this.log = log;
        this.power = new HostPower(host);
    }

    /** The kernel releases the host can boot (from /boot/vmlinuz-*). */
    public List<String> installed(SshShell ssh) {
        String out = ssh.run("ls -1 /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||'", Duration.ofSeconds(15)).out();
        return out.isEmpty() ? List.of() : Arrays.stream(out.split("\n")).map(String::strip).sorted().toList();
    }

    /** Installs the build of `release` found in `artifacts` (a builds directory or manifest, as `bisect` takes). */
    public void install(Path artifacts, String release) {
        BuildList list = BuildList.loadAny(artifacts);
        Build build = list.builds().stream().filter(b -> b.kernelRelease().equals(release)).findFirst()
                .orElseThrow(() -> new ConfigurationException("--kernel-artifacts " + artifacts + " has no build of " + release,
                        "builds there: " + list.builds().stream().map(Build::kernelRelease).toList()));
        try (SshShell ssh = power.connectWaiting(bootTimeout)) {
            String family = io.kdumplab.harness.device.distro.DistroBackend.detect(ssh, host.distro()).family();
            log.accept("installing " + release + " from " + artifacts);
            new KernelInstaller(Duration.ofMinutes(30)).install(ssh, family, build);
        }
    }

    /**
     * The one-time boot into `release`, to be armed before a crash (nightly: the dump's reboot boots the next
     * cell's kernel, so that cell pays no boot of its own). Unchanged when the host does not have the kernel yet.
     */
    public NextBoot nextBootInto(String release) {
        String command;
        try (SshShell ssh = power.connect()) {
            if (!installed(ssh).contains(release)) {
                return NextBoot.UNCHANGED;
            }
            command = entries(ssh).bootOnceCommand(ssh, release);
        } catch (BootEntries.BuildProblem e) {
            return NextBoot.UNCHANGED;
        }
        return device -> {
            device.root(command, Duration.ofSeconds(45));
            return "the reboot after the crash boots " + release + " (the next cell's kernel; no boot of its own)";
        };
    }

    /** Drops a one-time boot armed by {@link #nextBootInto} that no reboot consumed (e.g. a run that did not crash). */
    public void clearNextBoot() {
        try (SshShell ssh = power.connectWaiting(bootTimeout)) {
            BootEntries entries = entries(ssh);
            String sudo = ssh.run("id -u", Duration.ofSeconds(15)).out().equals("0") ? "" : "sudo -n ";
            ssh.check(sudo + entries.clearOnceCommand(), Duration.ofSeconds(60));
        }
    }

    private BootEntries entries(SshShell ssh) {
        // the inventory's distro, else os-release, as everywhere (a Debian host with grubby installed is still Debian)
        return BootEntries.forFamily(io.kdumplab.harness.device.distro.DistroBackend.detect(ssh, host.distro()).family());
    }

    /**
     * Makes sure the host runs `release`: nothing to do when it already does, else a one-time boot into it.
     *
     * @return what was done, for the log
     */
    public String ensureRunning(String release) {
        try (SshShell ssh = power.connectWaiting(bootTimeout)) {
            String running = ssh.check("uname -r", Duration.ofSeconds(15));
            if (running.equals(release)) {
                return "already running " + release;
            }
            List<String> kernels = installed(ssh);
            if (!kernels.contains(release)) {
                throw new ConfigurationException("kernel " + release + " is not installed on " + host.name(),
                        "kernels " + host.name() + " has: " + String.join(", ", kernels)
                                + " (or pass --kernel-artifacts DIR to install it first)");
            }
            BootEntries boot = entries(ssh);
            try {
                boot.bootOnce(ssh, release);
            } catch (BootEntries.BuildProblem e) {
                throw new ConfigurationException(e.getMessage(), "check the host's boot loader entries");
            }
            log.accept("booting " + release + " once (the default entry stays as it is)");
            if (!power.reboot(ssh, bootTimeout)) {
                log.accept(release + " did not come back on SSH; power-cycling through the BMC (the default kernel boots)");
                power.powerCycle(bootTimeout);
                throw new InfrastructureException("host", release + " did not boot to SSH on " + host.name() + " within "
                        + bootTimeout.toSeconds() + " s", "check the console log; the host is back on its default kernel");
            }
        }
        try (SshShell ssh = power.connect()) {
            String now = ssh.check("uname -r", Duration.ofSeconds(15));
            if (!now.equals(release)) {
                throw new InfrastructureException("host", host.name() + " booted " + now + " instead of " + release,
                        "check the boot loader (GRUB_DEFAULT=saved is needed for grub-reboot)");
            }
        }
        return "booted " + release + " once";
    }
}
