package io.kdumplab.harness.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.sse.SseClient;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs in progress as their orchestrators write them, read from the run directory (under the reports root only): the
 * current step from result.json (saved at every change), and the console as it arrives in console.log (flushed per
 * chunk by the capture: the same bytes). Live console tails are server-sent events fed by one polling thread, whatever
 * the number of browsers.
 */
final class LiveRuns implements AutoCloseable {
    /** What the hosts page and /api/hosts show of a run in progress. */
    record Live(String runId, String status, String step, Instant stepSince, String lastPhase, Instant startedAt) {}

    /** How much console a new viewer gets at once, before the lines that follow. */
    static final int BACKLOG_BYTES = 16 * 1024;
    /** Browsers watching at once; more are refused (each costs a connection and a file handle). */
    static final int MAX_VIEWERS = 64;
    static final Duration POLL = Duration.ofMillis(300);
    /** A finished run's tail ends once console.log has been quiet this long (the reboot's lines still come). */
    static final Duration QUIET_AFTER_END = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Path root;
    private final Map<SseClient, Tail> tails = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "console-tails");
        t.setDaemon(true);
        return t;
    });

    LiveRuns(Path reportsRoot) {
        this.root = reportsRoot;
        poller.scheduleWithFixedDelay(this::pollAll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The run directory, if it lies under the reports root (a path from the database is never trusted further). */
    Optional<Path> under(String dir) {
        if (dir == null) {
            return Optional.empty();
        }
        try {
            Path real = Path.of(dir).toRealPath();
            return real.startsWith(root.toRealPath()) && Files.isDirectory(real) ? Optional.of(real) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The run's state from its result.json (read as the documented JSON, not through the run's classes: the web view
     * never links what drives a run), or null when it cannot be read (not written yet).
     */
    static Live read(String runId, Path dir) {
        try {
            com.fasterxml.jackson.databind.JsonNode r = JSON.readTree(dir.resolve("result.json").toFile());
            com.fasterxml.jackson.databind.JsonNode steps = r.path("steps");
            com.fasterxml.jackson.databind.JsonNode last = steps.isArray() && steps.size() > 0 ? steps.get(steps.size() - 1) : null;
            String step = last == null ? null : last.path("name").asText()
                    + ("running".equals(last.path("status").asText()) ? "" : " (" + last.path("status").asText() + ")");
            return new Live(runId, text(r, "status"), step, last == null ? null : instant(text(last, "startedAt")),
                    text(r, "lastPhase"), instant(text(r, "startedAt")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    /** Follows dir/console.log for this client: the last few KiB at once, then every line as it arrives. */
    void follow(SseClient client, String runId, Path dir) {
        if (tails.size() >= MAX_VIEWERS) {
            client.sendEvent("end", "too many live viewers (" + MAX_VIEWERS + "); reload later");
            client.close();
            return;
        }
        Path log = dir.resolve("console.log");
        long size;
        try {
            size = Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            size = 0;
        }
        Tail t = new Tail(runId, dir, Math.max(0, size - BACKLOG_BYTES), size > BACKLOG_BYTES);
        client.keepAlive();
        client.onClose(() -> tails.remove(client));
        tails.put(client, t);
    }

    private void pollAll() {
        for (Map.Entry<SseClient, Tail> e : tails.entrySet()) {
            try {
                if (!e.getValue().poll(e.getKey())) {
                    tails.remove(e.getKey());
                    e.getKey().close();
                }
            } catch (RuntimeException ex) {
                // a browser gone mid-write: its tail ends, the others go on
                tails.remove(e.getKey());
                e.getKey().close();
            }
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        tails.keySet().forEach(SseClient::close);
        tails.clear();
    }

    /** One viewer's place in one console.log. */
    private static final class Tail {
        private final String runId;
        private final Path dir;
        private long offset;
        private boolean skipPartialLine;
        private final StringBuilder partial = new StringBuilder();
        private String lastStep;
        private long quietSince = System.nanoTime();
        private long polls;

        Tail(String runId, Path dir, long offset, boolean skipPartialLine) {
            this.runId = runId;
            this.dir = dir;
            this.offset = offset;
            this.skipPartialLine = skipPartialLine;
        }

        /** Sends what is new; false once the run has ended and its console has gone quiet. */
        boolean poll(SseClient client) {
            if (client.terminated()) {
                return false;
            }
            List<String> lines = newLines();
            if (!lines.isEmpty()) {
                quietSince = System.nanoTime();
                client.sendEvent("lines", json(Map.of("lines", lines)));
            }
            // the step every ~1.5 s, when it changed
            if (polls++ % 5 == 0) {
                Live live = read(runId, dir);
                String step = live == null ? null : live.status() + "|" + live.step() + "|" + live.lastPhase();
                if (live != null && !step.equals(lastStep)) {
                    lastStep = step;
                    client.sendEvent("step", json(live));
                }
                if (live != null && !"running".equals(live.status())
                        && System.nanoTime() - quietSince > QUIET_AFTER_END.toNanos()) {
                    client.sendEvent("end", "run " + runId + " " + live.status());
                    return false;
                }
            } else if (polls % 50 == 0) {
                client.sendComment("keep-alive");
            }
            return true;
        }

        private List<String> newLines() {
            Path log = dir.resolve("console.log");
            List<String> out = new ArrayList<>();
            try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                long size = f.length();
                if (size < offset) {
                    offset = 0; // rewritten (a fallback copy): start again
                }
                while (offset < size && out.size() < 2000) {
                    byte[] buf = new byte[(int) Math.min(64 * 1024, size - offset)];
                    f.seek(offset);
                    int n = f.read(buf);
                    if (n <= 0) {
                        break;
                    }
                    offset += n;
                    // console bytes: UTF-8 where they are text; carriage returns and other control bytes dropped
                    String chunk = new String(buf, 0, n, StandardCharsets.UTF_8);
                    for (int i = 0; i < chunk.length(); i++) {
                        char c = chunk.charAt(i);
                        if (c == '\n') {
                            if (!skipPartialLine) {
                                out.add(partial.toString());
                            }
                            skipPartialLine = false;
                            partial.setLength(0);
                        } else if (c >= ' ' || c == '\t') {
                            if (partial.length() < 4096) {
                                partial.append(c);
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // not there yet (the capture starts in the first step): nothing new
            }
            return out;
        }

        private static String json(Object o) {
            try {
                return JSON.writeValueAsString(o);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
