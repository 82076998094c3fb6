package io.kdumplab.harness.bisect;

import io.kdumplab.harness.device.boot.BootEntries;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.failure.ConfigurationException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The bisection's journal: one JSON line per event, appended and fsynced as
 * it happens, in the spirit of `git bisect log`. The first line ("start")
 * holds what the bisection is about and the host's boot state before the
 * harness touched it; then one "trial" line per finished repro run, "install"
 * and "boot" lines with their cost, "skip" lines for builds given up on, and
 * "done" at the end. Killing the orchestrator loses at most the event in
 * progress; running the same command again replays the journal and resumes.
 * A torn last line (killed mid-write) is ignored with a warning.
 */
public final class Journal {
    /**
     * REBOOTING: the host is about to reboot (a trial's crash, a boot into a build); the next entry says it came
     * back. A resumed bisection that finds it last waits the boot timeout for the host; otherwise a host that does
     * not answer is an error within {@link BisectRun#FIRST_CONTACT}.
     */
    public enum Kind { START, INSTALL, BOOT, TRIAL, SKIP, RESTORE, DONE, REBOOTING }

    /** What a bisection is about: a resumed one must match it exactly. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Start(String buildsFingerprint, List<String> builds, double minReproRate, double errorRate,
                        String host, String scenario, String safeKernel, BootEntries.Original originalBoot) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(Kind kind, String at, Integer buildIndex, String build, String verdict, String runId,
                        String reason, Double seconds, Start start, String diagnosis) {
        /** diagnosis: a FAIL's (where the panic path stopped), null otherwise. */
        public static Entry trial(int index, String build, String verdict, String runId, String reason, String diagnosis,
                                  double seconds) {
            return new Entry(Kind.TRIAL, Instant.now().toString(), index, build, verdict, runId, reason, seconds, null, diagnosis);
        }

        public static Entry event(Kind kind, Integer index, String build, String reason, double seconds) {
            return new Entry(kind, Instant.now().toString(), index, build, null, null, reason, seconds, null, null);
        }

        public static Entry start(Start start) {
            return new Entry(Kind.START, Instant.now().toString(), null, null, null, null, null, null, start, null);
        }

        /**
         * A FAIL trial written before the diagnosis had a field of its own carried it in its reason: read as if
         * written today.
         */
        Entry upgraded() {
            if (kind != Kind.TRIAL || !"FAIL".equals(verdict) || diagnosis != null) {
                return this;
            }
            String[] rd = io.kdumplab.harness.verdict.Diagnoses.legacySplit(reason);
            return rd[1] == null ? this : new Entry(kind, at, buildIndex, build, verdict, runId, rd[0], seconds, start, rd[1]);
        }

        /** A PASS or FAIL trial: informs the model; the rest are retries or skips. */
        @JsonIgnore
        public boolean judged() {
            return kind == Kind.TRIAL && ("PASS".equals(verdict) || "FAIL".equals(verdict));
        }

        @JsonIgnore
        public boolean failed() {
            return "FAIL".equals(verdict);
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
                    "check the bisection directory given with --dir");
        }
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            try {
                Entry e = JSON.readValue(l, Entry.class).upgraded();
                if (e.kind() == null) {
                    throw new IOException("no kind");
                }
                out.add(e);
            } catch (IOException e) {
                warnings.add(file + ":" + (i + 1) + ": unreadable journal line ignored (a run killed while writing it?)");
            }
        }
        return out;
    }

    /** Feeds judged trials and skips into a fresh model, as a resumed bisection does. */
    public static BisectModel replay(List<Entry> entries, BisectModel model) {
        for (Entry e : entries) {
            if (e.judged()) {
                model.observe(e.buildIndex(), e.failed());
            } else if (e.kind() == Kind.SKIP && e.buildIndex() != null && e.buildIndex() > 0
                    && e.buildIndex() < model.builds() - 1) {
                model.skip(e.buildIndex());
            }
        }
        return model;
    }
}
