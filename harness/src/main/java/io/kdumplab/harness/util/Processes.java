package io.kdumplab.harness.util;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Child processes: run-to-completion helpers and detached daemons. */
public final class Processes {
    private Processes() {}

    public record Outcome(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs a command to completion (stdout+stderr merged), killing it at the timeout. */
    public static Outcome run(List<String> command, Duration timeout, Path workDir) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            var out = new java.io.ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    p.getInputStream().transferTo(out);
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "output-" + command.get(0));
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                reader.join(1000);
                return new Outcome(124, out.toString(StandardCharsets.UTF_8)
                        + "\n[killed after " + timeout.toSeconds() + " s]");
            }
            reader.join(5000);
            return new Outcome(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Outcome(127, "cannot start " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(130, "interrupted");
        }
    }

    /**
     * Starts a daemon in its own session (setsid) so it outlives this JVM, as
     * the lab's BMC and console line must between CLI calls. Output goes to log.
     */
    public static long startDetached(List<String> command, Path log, Path workDir) {
        List<String> full = new ArrayList<>();
        full.add("setsid");
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        try {
            return pb.start().pid();
        } catch (IOException e) {
            throw new InfrastructureException("lab", "cannot start " + command.get(0) + ": " + e.getMessage(),
                    "check that it is installed and executable");
        }
    }

    /** True while pid runs; an exited process its parent has not reaped yet (a zombie) does not. */
    public static boolean alive(long pid) {
        return ProcessIdentity.of(pid).isPresent();
    }

    /** True when pid runs now with a command line that holds needle (its identity when no start time was recorded). */
    public static boolean commandLineMentions(long pid, String needle) {
        try {
            byte[] raw = java.nio.file.Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            return new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').contains(needle);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * SIGTERM, then SIGKILL after grace; true when the process is gone. Gone counts a zombie: an orphan's exit is
     * reaped by init, which in some containers takes seconds.
     */
    public static boolean stop(long pid, Duration grace) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !alive(pid)) {
            return true;
        }
        h.get().destroy();
        if (awaitGone(pid, grace)) {
            return true;
        }
        h.get().destroyForcibly();
        return awaitGone(pid, Duration.ofSeconds(5));
    }

    private static boolean awaitGone(long pid, Duration within) {
        long end = System.nanoTime() + within.toNanos();
        while (alive(pid)) {
            if (System.nanoTime() >= end) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !alive(pid);
            }
        }
        return true;
    }

    public static Optional<Long> readPid(Path pidFile) {
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            String s = Files.readString(pidFile).trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Finds an executable on PATH. */
    public static Optional<Path> which(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
