package io.kdumplab.harness.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/** harness.log: a timestamped line per event, flushed at once; also echoed to the progress sink. */
public final class RunLog implements AutoCloseable {
    private final BufferedWriter out;
    private final Consumer<String> progress;
    private volatile long lastLineNanos = System.nanoTime();

    public RunLog(Path file, Consumer<String> progress) {
        try {
            Files.createDirectories(file.getParent());
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        this.progress = progress;
    }

    public void info(String msg) {
        lastLineNanos = System.nanoTime();
        synchronized (this) {
            try {
                out.write(Instant.now() + " " + msg + "\n");
                out.flush();
            } catch (IOException ignored) {
                // logging must not break a run
            }
        }
        // outside the lock: a slow progress sink must not stall the other threads' logging (the console's reconnect)
        progress.accept(msg);
    }

    /** How long the run has said nothing: the step runner speaks up before it is 30 s. */
    public Duration silentFor() {
        return Duration.ofNanos(System.nanoTime() - lastLineNanos);
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
