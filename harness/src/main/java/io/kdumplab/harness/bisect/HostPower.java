package io.kdumplab.harness.bisect;

import io.kdumplab.harness.inventory.TargetHost;
import io.kdumplab.harness.device.ipmi.ChassisAction;
import io.kdumplab.harness.device.ipmi.IpmiBmc;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.time.Duration;
import java.util.Optional;

/** Reboots between builds: by SSH, and by the BMC when a kernel does not come back. */
final class HostPower {
    private final TargetHost host;

    HostPower(TargetHost host) {
        this.host = host;
    }

    SshShell connect() {
        return SshShell.connect(host.ssh(), Duration.ofSeconds(15));
    }

    /** SSH, waiting up to the timeout for the host to answer (it may be mid-reboot after a kill). */
    SshShell connectWaiting(Duration timeout) {
        Deadline d = Deadline.in(host.name() + " answers on SSH", timeout);
        Wait.until(d, Duration.ofSeconds(3), () -> bootId().isPresent() ? Wait.Result.ready(true) : Wait.Result.notYet("no SSH"));
        return connect();
    }

    Optional<String> bootId() {
        try (SshShell probe = SshShell.probe(host.ssh(), Duration.ofSeconds(5))) {
            String id = probe.run("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)).out();
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (HarnessException e) {
            return Optional.empty();
        }
    }

    /** Reboots and waits for a new boot; false when SSH did not come back in time. */
    boolean reboot(SshShell ssh, Duration timeout) {
        String before = ssh.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(15));
        String sudo = ssh.run("id -u", Duration.ofSeconds(15)).out().equals("0") ? "" : "sudo -n ";
        ssh.runExpectingDisconnect(sudo + "systemctl reboot");
        ssh.close();
        return awaitNewBoot(before, timeout);
    }

    /** Power cycle through the BMC (a kernel that hangs at boot), then wait for SSH. */
    boolean powerCycle(Duration timeout) {
        String before = bootId().orElse("");
        try (IpmiBmc bmc = IpmiBmc.open(host.bmc())) {
            bmc.chassis(ChassisAction.POWER_CYCLE);
        }
        return awaitNewBoot(before, timeout);
    }

    private boolean awaitNewBoot(String before, Duration timeout) {
        try {
            Wait.until(Deadline.in(host.name() + " back on SSH with a new boot", timeout), Duration.ofSeconds(3), () -> {
                Optional<String> id = bootId();
                return id.isPresent() && !id.get().equals(before) ? Wait.Result.ready(true) : Wait.Result.notYet("same boot or no SSH");
            });
            return true;
        } catch (WaitTimeoutException e) {
            return false;
        }
    }
}
