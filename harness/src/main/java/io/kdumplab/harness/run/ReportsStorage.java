package io.kdumplab.harness.run;

import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.HarnessDirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The run directory's filesystem on the orchestrator. A write there that fails (a full disk above all) is the
 * orchestrator's infrastructure problem, never a harness bug and never a reason to leave a crashing host
 * unobserved: the run keeps its result in memory, goes on to its verdict and restore, and then writes the result
 * to a fallback directory under the harness's state directory.
 */
public final class ReportsStorage {
    /** What a run needs free before it starts: console log, result, reports, with room to spare. */
    public static final long MIN_FREE_BYTES = 64L << 20;
    /** Below this, a failed write is put down to a full filesystem. */
    private static final long FULL_BELOW_BYTES = 1L << 20;

    private final Path runDir;
    private volatile String failure;

    public ReportsStorage(Path runDir) {
        this.runDir = runDir;
    }

    /** Free space on the filesystem that will hold dir (or its nearest existing parent). */
    public static long usableBytes(Path dir) {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return p == null ? Long.MAX_VALUE : Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown: the write itself will tell
        }
    }

    /** Records a failed write (the first one is kept). Returns the description. */
    public String failed(Path file, Exception e) {
        long free = usableBytes(file.getParent() == null ? file : file.getParent());
        String why = free < FULL_BELOW_BYTES
                ? "no space left on the filesystem of " + runDir + " (" + free / 1024 + " KiB free)"
                : "cannot write " + file + " (" + rootCause(e) + ")";
        if (failure == null) {
            failure = why;
        }
        return why;
    }

    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** Where a run's result goes when its own directory cannot take it. */
    public static Path fallbackDir(String runId) {
        return HarnessDirs.stateRoot().resolve("results-fallback").resolve(runId);
    }

    /** Writes the final result (and the console text the run kept in memory) to the fallback directory. */
    public Path writeFallback(RunResult result, String consoleText) {
        Path dir = fallbackDir(result.runId);
        result.save(dir.resolve("result.json"));
        if (consoleText != null) {
            AtomicFiles.write(dir.resolve("console.log"), consoleText);
        }
        return dir;
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t instanceof UncheckedIOException && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
