package io.kdumplab.harness.lab;

import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.Processes;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The lab's guest coming up, as a client sees it: the BMC answering with the power on, SSH answering with the pinned
 * host key, kdump's capture kernel loaded. Each wait is named and bounded, gives up at once when the process it waits
 * on is gone, and says what it saw last.
 */
final class GuestReadiness {
    private final Consumer<String> progress;

    GuestReadiness(Consumer<String> progress) {
        this.progress = progress;
    }

    void awaitBmc(Path dir, LabState s) {
        progress.accept("waiting for the BMC on " + s.host() + ":" + s.bmcPort() + "/udp");
        Wait.until(Deadline.in("BMC answers RMCP+ on " + s.host() + ":" + s.bmcPort(), VirtualLab.BMC_UP_TIMEOUT),
                Duration.ofMillis(500), () -> {
                    if (!Processes.alive(s.bmcPid())) {
                        // no use waiting out the timeout for a BMC that is gone
                        return Wait.Result.fatal(new InfrastructureException("bmc", "ipmi_sim exited at start: "
                                + ProcessStart.tail(dir.resolve("bmc.log"), 8), "see " + dir.resolve("bmc.log")));
                    }
                    try (var bmc = LabEndpoints.device("bmc probe", s).freshBmc()) {
                        PowerState p = bmc.powerState();
                        return p == PowerState.ON ? Wait.Result.ready(true) : Wait.Result.notYet("power " + p);
                    }
                });
    }

    /** Until SSH answers with the pinned host key; on timeout, says what the console showed last. */
    void awaitSsh(Path dir, LabState s, Duration timeout) {
        progress.accept("waiting for SSH on " + s.host() + ":" + s.sshPort() + " (guest booting under "
                + s.accel().toUpperCase() + ")");
        try {
            Wait.until(Deadline.in("SSH answers on " + s.host() + ":" + s.sshPort(), timeout), Duration.ofSeconds(2),
                    () -> {
                        if (!LabProcesses.qemuAlive(dir)) {
                            return Wait.Result.notYet("QEMU is not running (power off?); qemu.log: "
                                    + ProcessStart.tail(dir.resolve("qemu.log"), 3));
                        }
                        try (CommandShell t = LabEndpoints.device("ssh probe", s).probeShell(Duration.ofSeconds(5))) {
                            t.check("true", Duration.ofSeconds(10));
                            return Wait.Result.ready(true);
                        }
                    });
        } catch (WaitTimeoutException e) {
            throw new InfrastructureException("ssh", e.getMessage() + "; last console lines:\n    "
                    + ProcessStart.tail(Path.of(s.consoleLog()), 6).replace("\n", "\n    "),
                    "see " + s.consoleLog() + " and " + dir.resolve("qemu.log"), e);
        }
    }

    void awaitKdump(LabState s, Duration timeout) {
        Device guest = LabEndpoints.device("kdump probe", s);
        try (CommandShell t = guest.probeShell(Duration.ofSeconds(10))) {
            if (!t.run("cat /proc/cmdline", Duration.ofSeconds(10)).out().contains("crashkernel=")) {
                // the guest's admin removed it: the lab is up all the same; a repro run configures kdump (or says so)
                progress.accept("kdump is not configured on the guest (no crashkernel= on its command line): not waiting for it");
                return;
            }
        }
        progress.accept("waiting for kdump to load the capture kernel");
        Wait.until(Deadline.in("capture kernel loaded (/sys/kernel/kexec_crash_loaded = 1)", timeout),
                Duration.ofSeconds(3), () -> {
                    try (CommandShell t = guest.probeShell(Duration.ofSeconds(5))) {
                        String v = t.run("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(10)).out();
                        return "1".equals(v) ? Wait.Result.ready(true) : Wait.Result.notYet("kexec_crash_loaded=" + v);
                    }
                });
    }
}
