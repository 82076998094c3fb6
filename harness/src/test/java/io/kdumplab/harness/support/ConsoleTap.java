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

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
