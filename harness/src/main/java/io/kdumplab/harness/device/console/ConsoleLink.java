package io.kdumplab.harness.device.console;

import java.io.IOException;

/** An open connection to a serial console. */
public interface ConsoleLink extends AutoCloseable {
    /** Blocks until bytes arrive; returns how many, or -1 when the link is lost. */
    int read(byte[] buf) throws IOException;

    void write(byte[] data) throws IOException;

    @Override
    void close();
}
