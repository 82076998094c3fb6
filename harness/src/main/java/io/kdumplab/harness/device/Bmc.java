package io.kdumplab.harness.device;

/** A BMC session: power and NMIs. Closed when the caller is done with it. */
public interface Bmc extends PowerControl, NmiSource, AutoCloseable {
    String describe();

    @Override
    void close();
}
