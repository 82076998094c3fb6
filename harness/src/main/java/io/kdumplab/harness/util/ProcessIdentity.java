package io.kdumplab.harness.util;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process as the kernel knows it: pid, start time (clock ticks since boot, /proc/PID/stat field 22) and the boot
 * it belongs to (/proc/sys/kernel/random/boot_id). A pid alone is not an identity: after a restart, or once the
 * process has exited, the same number can belong to anybody else's process, which must never be signalled.
 */
public record ProcessIdentity(long pid, long startTicks, String bootId) {

    /** Where /proc lives: tests point it at a fixture tree. */
    public interface Proc {
        Optional<String> read(String path);

        Proc LINUX = path -> {
            try {
                return Optional.of(Files.readString(Path.of(path)));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        };
    }

    /** The identity of a process running now, or empty when it is gone. */
    public static Optional<ProcessIdentity> of(long pid) {
        return of(pid, Proc.LINUX);
    }

    public static Optional<ProcessIdentity> of(long pid, Proc proc) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Optional<Long> start = startTicks(pid, proc);
        Optional<String> boot = bootId(proc);
        if (start.isEmpty() || boot.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ProcessIdentity(pid, start.get(), boot.get()));
    }

    public static Optional<String> bootId(Proc proc) {
        return proc.read("/proc/sys/kernel/random/boot_id").map(String::strip).filter(s -> !s.isEmpty());
    }

    /**
     * Field 22 of /proc/PID/stat, empty when the process is gone; the command name (field 2) may hold spaces and
     * parentheses, so count from its end. A zombie (state Z or X) is gone too: it has exited and only waits for its
     * parent to reap it, which an orphan's init may do seconds later (or, in some containers, never).
     */
    static Optional<Long> startTicks(long pid, Proc proc) {
        return proc.read("/proc/" + pid + "/stat").flatMap(stat -> {
            int close = stat.lastIndexOf(')');
            if (close < 0) {
                return Optional.empty();
            }
            String[] rest = stat.substring(close + 1).trim().split("\\s+");
            // rest[0] is field 3 (state), so field 22 is rest[19]
            if (rest.length < 20 || rest[0].equals("Z") || rest[0].equals("X")) {
                return Optional.empty();
            }
            try {
                return Optional.of(Long.parseLong(rest[19]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** Why this recorded process is not the one running now, or empty when it still is. */
    public Optional<String> whyNotRunning(Proc proc) {
        Optional<String> boot = bootId(proc);
        if (boot.isPresent() && !boot.get().equals(bootId)) {
            return Optional.of("left over from before this machine restarted");
        }
        Optional<Long> start = startTicks(pid, proc);
        if (start.isEmpty()) {
            return Optional.of("pid " + pid + " has exited");
        }
        if (start.get() != startTicks) {
            return Optional.of("pid " + pid + " has exited (the number now belongs to another process)");
        }
        return Optional.empty();
    }

    @JsonIgnore
    public boolean isRunning() {
        return whyNotRunning(Proc.LINUX).isEmpty();
    }

    /** Stops this process if, and only if, it is still the one recorded. */
    public boolean stopIfRunning(java.time.Duration grace) {
        return isRunning() && Processes.stop(pid, grace);
    }
}
