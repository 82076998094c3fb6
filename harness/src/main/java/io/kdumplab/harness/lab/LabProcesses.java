package io.kdumplab.harness.lab;

import io.kdumplab.harness.util.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Which processes are a lab's, and stopping exactly those: the BMC and the console relay by their recorded
 * identity, QEMU (replaced by the BMC at every power cycle) by its command line naming the lab's pid file.
 */
public final class LabProcesses {
    private LabProcesses() {}

    /** The lab's QEMU runs: restarted by the BMC at each power cycle, so known by its command line, not a start time. */
    public static boolean qemuAlive(Path dir) {
        return Processes.readPid(dir.resolve("qemu.pid")).map(pid -> ownedBy(dir, pid, "qemu.pid")).orElse(false);
    }

    /** pid runs now and is this lab's: its command line names the lab's pid file (QEMU's -pidfile, the relay's --pidfile). */
    private static boolean ownedBy(Path dir, long pid, String pidFile) {
        return Processes.commandLineMentions(pid, dir.resolve(pidFile).toString());
    }

    /**
     * Stops what this lab started, and nothing else: a recorded pid is signalled only while its start time and boot
     * match (after a restart or an exit, the number may be someone else's process); a pid from a pid file only
     * while its command line names this lab's directory.
     */
    static void stopAll(Path dir, LabState s) {
        // BMC first, so it does not react to the guest going away; then the guest; then the line.
        if (s != null) {
            if (s.redfishPid() > 0) {
                s.redfish().stopIfRunning(Duration.ofSeconds(5));
            }
            if (s.dumpServer() != null) {
                s.dumpServerProcess().stopIfRunning(Duration.ofSeconds(5));
            }
            if (s.nfsServer() != null) {
                s.nfsServerProcess().stopIfRunning(Duration.ofSeconds(5));
            }
            s.bmc().stopIfRunning(Duration.ofSeconds(5));
        }
        Processes.readPid(dir.resolve("qemu.pid")).filter(pid -> ownedBy(dir, pid, "qemu.pid"))
                .ifPresent(pid -> Processes.stop(pid, Duration.ofSeconds(10)));
        if (s != null) {
            if (s.telnet() != null) {
                s.telnetProcess().stopIfRunning(Duration.ofSeconds(5));
            }
            if (s.sshConsole() != null) {
                s.sshConsoleProcess().stopIfRunning(Duration.ofSeconds(5));
            }
            s.relay().stopIfRunning(Duration.ofSeconds(5));
        }
        Processes.readPid(dir.resolve("relay.pid")).filter(pid -> ownedBy(dir, pid, "relay.pid"))
                .ifPresent(pid -> Processes.stop(pid, Duration.ofSeconds(5)));
        for (String f : List.of("qemu.pid", "relay.pid", "qemu-monitor.sock", "ttyS0", "line.in", "line.out")) {
            try {
                Files.deleteIfExists(dir.resolve(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

}
