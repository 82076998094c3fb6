package io.kdumplab.harness.support;

import io.kdumplab.harness.lab.LabState;

import java.io.IOException;
import java.io.InputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An independent second reader of the lab's console server (the relay serves every client the same bytes): what
 * the console showed and when, to hold the harness's own console (say, over SOL) against the serial line's
 * timing in the same run.
 */
public final class ConsoleTap implements AutoCloseable {
    public record Line(Instant at, String text) {}

    private final Socket socket;
    private final List<Line> lines = new ArrayList<>();
    private final Thread reader;

    public ConsoleTap(LabState lab) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(lab.host(), lab.consolePort()), 5000);
        reader = new Thread(this::read, "console-tap");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (InputStream in = socket.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        Line l = new Line(Instant.now(), line.toString(StandardCharsets.ISO_8859_1));
                        synchronized (lines) {
                            lines.add(l);
                        }
                        line.reset();
                    } else if (buf[i] != '\r') {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException closed) {
            // close() ends the tap
        }
    }

    /** The first line at or after {@code from} that matches. */
    public Optional<Line> first(Pattern p, Instant from) {
        synchronized (lines) {
            return lines.stream().filter(l -> !l.at().isBefore(from) && p.matcher(l.text()).find()).findFirst();
        }
    }

    /**
     * Each phase of the panic path (capture kernel, dump saved, reboot) reached the run over its own console within
     * 15 s of the serial line showing it: the run moves on as each phase shows on its console, so a console that lags
     * more would slow every run (and a console that lost the phase fails here).
     */
    public void assertKeptUp(io.kdumplab.harness.run.RunResult r, Instant from, String console) {
        StringBuilder lags = new StringBuilder();
        for (io.kdumplab.harness.verdict.Phase p : new io.kdumplab.harness.verdict.Phase[] {io.kdumplab.harness.verdict.Phase.CAPTURE_KERNEL,
                io.kdumplab.harness.verdict.Phase.DUMP_SAVED, io.kdumplab.harness.verdict.Phase.REBOOT}) {
            io.kdumplab.harness.run.PhaseRecord seen = r.phases.stream().filter(x -> x.phase() == p).findFirst()
                    .orElseThrow(() -> new AssertionError(p + " not seen over " + console));
            Line onSerial = first(p.pattern(), from).orElseThrow(() -> new AssertionError(p + " not on the serial line"));
            long lagMs = java.time.Duration.between(onSerial.at(), seen.at()).toMillis();
            lags.append(String.format(" %s %+.1f s", p, lagMs / 1000.0));
            if (lagMs > 15_000) {
                throw new AssertionError(p + " reached the harness over " + console + " " + lagMs
                        + " ms after the serial line showed it");
            }
            from = onSerial.at();
        }
        System.err.println(console + " behind the serial line:" + lags);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
