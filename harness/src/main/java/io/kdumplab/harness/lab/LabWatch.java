package io.kdumplab.harness.lab;

import io.kdumplab.harness.target.HostWatch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A running lab's processes, watched: its BMC (ipmi_sim), Redfish service and serial line (console relay) by their recorded identity,
 * its QEMU by the pid file the BMC's start command writes. QEMU is replaced at every power cycle, so it counts as
 * dead only after {@link #QEMU_ABSENT} without one: longer than the BMC's own off/on gap.
 */
final class LabWatch implements HostWatch {
    static final Duration QEMU_ABSENT = Duration.ofSeconds(20);

    private final Path dir;
    private final LabState state;
    private volatile long qemuAbsentSince = -1;
    private volatile long lastQemuPid = -1;

    LabWatch(Path dir, LabState state) {
        this.dir = dir;
        this.state = state;
    }

    @Override
    public boolean suspect() {
        return !LabProcesses.qemuAlive(dir);
    }

    @Override
    public Optional<String> failure() {
        Optional<String> bmc = state.bmc().whyNotRunning(io.kdumplab.harness.util.ProcessIdentity.Proc.LINUX);
        if (bmc.isPresent()) {
            return Optional.of("the lab's BMC (ipmi_sim, pid " + state.bmcPid() + ") died: " + bmc.get() + "; bmc.log: "
                    + ProcessStart.tail(dir.resolve("bmc.log"), 2).replace('\n', ' '));
        }
        Optional<String> redfish = state.redfishPid() > 0
                ? state.redfish().whyNotRunning(io.kdumplab.harness.util.ProcessIdentity.Proc.LINUX) : Optional.empty();
        if (redfish.isPresent()) {
            return Optional.of("the lab's Redfish service (pid " + state.redfishPid() + ") died: " + redfish.get()
                    + "; redfish.log: " + ProcessStart.tail(dir.resolve("redfish.log"), 2).replace('\n', ' '));
        }
        Optional<String> relay = state.relay().whyNotRunning(io.kdumplab.harness.util.ProcessIdentity.Proc.LINUX);
        if (relay.isPresent()) {
            return Optional.of("the lab's serial line (console relay, pid " + state.relayPid() + ") died: " + relay.get()
                    + "; relay.log: " + ProcessStart.tail(dir.resolve("relay.log"), 2).replace('\n', ' '));
        }
        if (LabProcesses.qemuAlive(dir)) {
            qemuAbsentSince = -1;
            lastQemuPid = io.kdumplab.harness.util.Processes.readPid(dir.resolve("qemu.pid")).orElse(-1L);
            return Optional.empty();
        }
        long now = System.nanoTime();
        if (qemuAbsentSince < 0) {
            qemuAbsentSince = now;
            return Optional.empty();
        }
        if (now - qemuAbsentSince < QEMU_ABSENT.toNanos()) {
            return Optional.empty();
        }
        // QEMU is the BMC's child: its exit status went to the BMC; QEMU logs a signal it could catch
        String log = ProcessStart.tail(dir.resolve("qemu.log"), 2).replace('\n', ' ');
        return Optional.of("the lab's QEMU" + (lastQemuPid > 0 ? " (pid " + lastQemuPid + ")" : "") + " exited and no new one "
                + "started for " + QEMU_ABSENT.toSeconds() + " s (not a power cycle); last qemu.log lines: " + log
                + (log.contains("terminating on signal") ? "" : " (no signal logged: SIGKILL or a crash)"));
    }
}
