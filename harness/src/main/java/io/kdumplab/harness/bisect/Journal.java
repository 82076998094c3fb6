package io.kdumplab.harness.bisect;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.util.ConfigurationException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The bisection's journal: one JSON line per finished trial, appended and
 * fsynced as it finishes, in the spirit of `git bisect log`. Killing the
 * orchestrator loses at most the trial in progress; running the same command
 * again replays the journal into the model and resumes. A torn last line
 * (killed mid-write) is ignored with a warning.
 */
public final class Journal {
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String at, int buildIndex, String build, String verdict, String runId, String reason) {
        /** PASS and FAIL inform the model; the rest are retries or skips. */
        public boolean judged() {
            return "PASS".equals(verdict) || "FAIL".equals(verdict);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public Journal(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public synchronized void append(Entry e) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            byte[] line = (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ch.write(ByteBuffer.wrap(line));
                ch.force(true);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to the bisect journal " + file, ex);
        }
    }

    /** All complete entries, in order; warnings name torn or unreadable lines. */
    public List<Entry> read(List<String> warnings) {
        List<Entry> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read the bisect journal " + file + ": " + e.getMessage(),
                    "check the path given with --journal");
        }
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty()) {
                continue;
            }
            try {
                out.add(JSON.readValue(l, Entry.class));
            } catch (IOException e) {
                warnings.add(file + ":" + (i + 1) + ": unreadable journal line ignored (a run killed while writing it?)");
            }
        }
        return out;
    }

    /** Feeds the judged trials into a fresh model, as a resumed bisection does. */
    public static BisectModel replay(List<Entry> entries, BisectModel model) {
        for (Entry e : entries) {
            if (e.judged()) {
                model.observe(e.buildIndex(), "FAIL".equals(e.verdict()));
            }
        }
        return model;
    }
}
