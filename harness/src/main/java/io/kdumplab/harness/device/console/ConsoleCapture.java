package io.kdumplab.harness.device.console;

import io.kdumplab.harness.device.ConsoleGap;
import io.kdumplab.harness.device.ConsoleLine;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.WaitTimeoutException;

import io.kdumplab.harness.device.ConsoleSource;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records a serial console for the whole run, through panic and reboot:
 * raw bytes to console.log as they come (flushed per chunk), a timestamped
 * line index (console.index.tsv: epoch ms, byte offset, line number), and the
 * lines in memory for phase detection. A lost link is reconnected; each gap
 * is written into console.log as a marked line with its length.
 */
public final class ConsoleCapture implements ConsoleSource {
    private static final Pattern DROPPED = Pattern.compile("\\*\\* (\\d+) printk messages dropped \\*\\*");

    private final ConsoleConnector connector;
    private final Consumer<String> log;
    private final FileOutputStream raw;
    private final BufferedWriter index;
    private final List<ConsoleLine> lines = new ArrayList<>();
    private final List<ConsoleGap> gaps = new ArrayList<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final Thread reader;
    private volatile boolean closing;
    private volatile ConsoleLink link;
    private volatile boolean connected;
    private long offset;
    private long lineStartOffset;
    private long bytes;
    private long droppedMessages;
    private long lastDataMillis;

    public ConsoleCapture(ConsoleConnector connector, Path dir, Consumer<String> log) {
        this.connector = connector;
        this.log = log;
        try {
            Files.createDirectories(dir);
            raw = new FileOutputStream(dir.resolve("console.log").toFile(), true);
            offset = Files.size(dir.resolve("console.log"));
            lineStartOffset = offset;
            index = Files.newBufferedWriter(dir.resolve("console.index.tsv"), StandardCharsets.UTF_8);
            index.write("epoch_ms\toffset\tline\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the console log in " + dir, e);
        }
        reader = new Thread(this::run, "console-capture");
        reader.setDaemon(true);
    }

    /** Starts capturing; returns once the first connection is made or failed. */
    public ConsoleCapture start() {
        reader.start();
        return this;
    }

    private void run() {
        byte[] buf = new byte[8192];
        long gapStart = 0;
        String gapCause = null;
        while (!closing) {
            try {
                link = connector.connect();
                connected = true;
                if (gapStart > 0) {
                    markGap(gapStart, System.currentTimeMillis(), gapCause);
                    gapStart = 0;
                }
                int n;
                while (!closing && (n = link.read(buf)) >= 0) {
                    if (n > 0) {
                        take(buf, n);
                    }
                }
                gapCause = "link closed by the other end";
            } catch (IOException | RuntimeException e) {
                gapCause = e.getClass().getSimpleName() + ": " + e.getMessage();
            } finally {
                connected = false;
                ConsoleLink l = link;
                if (l != null) {
                    l.close();
                }
            }
            if (closing) {
                break;
            }
            if (gapStart == 0) {
                gapStart = System.currentTimeMillis();
                log.accept("console: lost " + connector.describe() + " (" + gapCause + "); reconnecting");
            }
            sleep(500);
        }
        if (gapStart > 0) {
            markGap(gapStart, System.currentTimeMillis(), gapCause + "; not reconnected before the end of the run");
        }
    }

    private boolean rawFailed;

    private synchronized void take(byte[] buf, int n) {
        long now = System.currentTimeMillis();
        lastDataMillis = now;
        bytes += n;
        if (!rawFailed) {
            try {
                raw.write(buf, 0, n);
                raw.flush();
            } catch (IOException e) {
                // said once; the watch goes on in memory (the run's verdict needs it, not the file)
                rawFailed = true;
                log.accept("console: cannot write console.log (" + e.getMessage() + "): capture goes on in memory");
            }
        }
        for (int i = 0; i < n; i++) {
            byte b = buf[i];
            offset++;
            if (b == '\n') {
                endLine(now);
            } else if (b != '\r') {
                partial.write(b);
            }
        }
        notifyAll();
    }

    private void endLine(long now) {
        String text = partial.toString(StandardCharsets.ISO_8859_1);
        partial.reset();
        ConsoleLine line = new ConsoleLine(lines.size(), now, lineStartOffset, text);
        lineStartOffset = offset;
        lines.add(line);
        Matcher m = DROPPED.matcher(text);
        while (m.find()) {
            droppedMessages += Long.parseLong(m.group(1));
        }
        try {
            index.write(now + "\t" + line.offset() + "\t" + line.index() + "\n");
        } catch (IOException ignored) {
            // the raw log is what matters
        }
    }

    private synchronized void markGap(long start, long end, String cause) {
        ConsoleGap gap = new ConsoleGap(start, end, cause);
        gaps.add(gap);
        String mark = String.format("%n%s %.1f s without console data (%s), from %s to %s%n", ConsoleGap.MARK,
                gap.millis() / 1000.0, cause, Instant.ofEpochMilli(start), Instant.ofEpochMilli(end));
        byte[] b = mark.getBytes(StandardCharsets.UTF_8);
        take(b, b.length);
        log.accept("console: reconnected after " + gap.millis() + " ms");
    }

    /** Sends bytes to the console (e.g. a newline to wake a getty). */
    public void send(String s) {
        ConsoleLink l = link;
        if (l != null && connected) {
            try {
                l.write(s.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // reported by the reader as a gap
            }
        }
    }

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public synchronized int lineCount() {
        return lines.size();
    }

    @Override
    public synchronized List<ConsoleLine> lines() {
        return List.copyOf(lines);
    }

    @Override
    public synchronized List<ConsoleGap> gaps() {
        return List.copyOf(gaps);
    }

    @Override
    public synchronized long bytes() {
        return bytes;
    }

    @Override
    public synchronized long droppedMessages() {
        return droppedMessages;
    }

    @Override
    public synchronized long lastDataMillis() {
        return lastDataMillis;
    }

    /** The first line at or after `from` matching the pattern, if any. */
    @Override
    public synchronized Optional<ConsoleLine> find(Pattern p, int from) {
        for (int i = Math.max(0, from); i < lines.size(); i++) {
            if (p.matcher(lines.get(i).text()).find()) {
                return Optional.of(lines.get(i));
            }
        }
        return Optional.empty();
    }

    /** Waits for a line matching the pattern; the timeout names the wait and the last line seen. */
    @Override
    public ConsoleLine await(Pattern p, int from, Deadline deadline) {
        synchronized (this) {
            int scanned = Math.max(0, from);
            while (true) {
                for (; scanned < lines.size(); scanned++) {
                    if (p.matcher(lines.get(scanned).text()).find()) {
                        return lines.get(scanned);
                    }
                }
                if (deadline.expired()) {
                    String last = lines.isEmpty() ? "no console line at all" : "'" + lines.get(lines.size() - 1).text() + "'";
                    throw new WaitTimeoutException(deadline.name(), deadline.timeout(), last);
                }
                try {
                    wait(Math.max(1, Math.min(500, deadline.remaining().toMillis())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new WaitTimeoutException(deadline.name() + " (interrupted)", deadline.timeout(), "");
                }
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String describe() {
        return connector.describe();
    }

    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        ConsoleLink l = link;
        if (l != null) {
            l.close();
        }
        reader.interrupt();
        try {
            reader.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (partial.size() > 0) {
                endLine(System.currentTimeMillis());
            }
            try {
                raw.close();
                index.close();
            } catch (IOException ignored) {
                // best effort at the end
            }
        }
    }
}
