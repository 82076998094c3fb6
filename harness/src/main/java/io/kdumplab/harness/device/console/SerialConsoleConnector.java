package io.kdumplab.harness.device.console;

import jssc.SerialPort;
import jssc.SerialPortException;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A local serial device through jssc (a USB-serial adapter, a null-modem
 * cable, or the virtual lab's pty). A pseudo-terminal has no modem-control
 * lines, so setParams may report false there although the port reads fine:
 * that is noted, not fatal.
 */
public final class SerialConsoleConnector implements ConsoleConnector {
    static final long MAX_QUEUED_BYTES = 64L << 20;
    private final String device;
    private final int baud;
    private final Consumer<String> log;

    public SerialConsoleConnector(String device, int baud, Consumer<String> log) {
        this.device = device;
        this.baud = baud;
        this.log = log;
    }

    @Override
    public ConsoleLink connect() throws IOException {
        String path = device;
        try {
            path = java.nio.file.Path.of(device).toRealPath().toString(); // the lab's pty is a symlink
        } catch (IOException ignored) {
            // let jssc report the missing device
        }
        SerialPort port = new SerialPort(path);
        try {
            port.openPort();
            if (!port.setParams(baud, SerialPort.DATABITS_8, SerialPort.STOPBITS_1, SerialPort.PARITY_NONE)) {
                log.accept("serial " + device + ": line parameters not accepted (normal for a pseudo-terminal); reading anyway");
            }
        } catch (SerialPortException e) {
            throw new IOException("cannot open serial device " + device + ": " + e.getExceptionType(), e);
        }
        // unbounded in chunks, bounded in bytes: at 115200 baud a reader would have to stall for over an hour to
        // reach the bound; if it ever does, the loss is counted and said, never silent
        BlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        AtomicLong queued = new AtomicLong();
        AtomicLong dropped = new AtomicLong();
        try {
            port.addEventListener(ev -> {
                if (ev.isRXCHAR() && ev.getEventValue() > 0) {
                    try {
                        byte[] b = port.readBytes(ev.getEventValue());
                        if (b != null) {
                            if (queued.addAndGet(b.length) > MAX_QUEUED_BYTES) {
                                queued.addAndGet(-b.length);
                                if (dropped.getAndAdd(b.length) == 0) {
                                    log.accept("serial " + device + ": the console reader fell behind by "
                                            + (MAX_QUEUED_BYTES >> 20) + " MiB; dropping bytes (counted) until it catches up");
                                }
                            } else {
                                chunks.add(b);
                            }
                        }
                    } catch (SerialPortException ignored) {
                        chunks.add(new byte[0]);
                    }
                }
            }, SerialPort.MASK_RXCHAR);
        } catch (SerialPortException e) {
            throw new IOException("cannot listen on " + device, e);
        }
        return new ConsoleLink() {
            /** What the last read could not take of its chunk: handed out first next time, never cut off. */
            private byte[] pending;
            private int pendingFrom;

            @Override
            public int read(byte[] buf) throws IOException {
                try {
                    while (true) {
                        byte[] b;
                        int from;
                        if (pending != null) {
                            b = pending;
                            from = pendingFrom;
                        } else {
                            b = chunks.poll(1, TimeUnit.SECONDS);
                            from = 0;
                            if (b == null) {
                                if (!port.isOpened()) {
                                    return -1;
                                }
                                continue;
                            }
                            if (b.length == 0) {
                                return -1;
                            }
                            queued.addAndGet(-b.length);
                        }
                        int n = Math.min(b.length - from, buf.length);
                        System.arraycopy(b, from, buf, 0, n);
                        if (from + n < b.length) {
                            pending = b;
                            pendingFrom = from + n;
                        } else {
                            pending = null;
                        }
                        return n;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }

            @Override
            public void write(byte[] data) throws IOException {
                try {
                    port.writeBytes(data);
                } catch (SerialPortException e) {
                    throw new IOException(e);
                }
            }

            @Override
            public void close() {
                try {
                    port.closePort();
                } catch (SerialPortException ignored) {
                    // already closed
                }
            }
        };
    }

    @Override
    public String describe() {
        return "serial " + device + " @" + baud;
    }
}
