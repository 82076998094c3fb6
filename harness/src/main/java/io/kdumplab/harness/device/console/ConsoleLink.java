package io.kdumplab.harness.device.console;

import java.io.IOException;

/** An open connection to a serial console. */
public interface ConsoleLink extends AutoCloseable {
    /** Blocks until bytes arrive; returns how many, or -1 when the link is lost. */
    int read(byte[] buf) throws IOException;

    void write(byte[] data) throws IOException;

    @Override
    void close();

    /** What closes a link's connection; failures are swallowed (the link is gone either way). */
    interface Closer {
        void close() throws IOException;
    }

    /** A link over a connection's two streams (a socket, a telnet client, an SSH channel). */
    static ConsoleLink of(java.io.InputStream in, java.io.OutputStream out, Closer closer) {
        return new ConsoleLink() {
            @Override
            public int read(byte[] buf) throws IOException {
                return in.read(buf);
            }

            @Override
            public void write(byte[] data) throws IOException {
                out.write(data);
                out.flush();
            }

            @Override
            public void close() {
                try {
                    closer.close();
                } catch (IOException ignored) {
                    // already gone
                }
            }
        };
    }
}
