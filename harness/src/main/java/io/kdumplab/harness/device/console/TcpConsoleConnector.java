package io.kdumplab.harness.device.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A console server (conserver, ser2net, a terminal server port, the lab's relay): raw bytes over TCP. */
public final class TcpConsoleConnector implements ConsoleConnector {
    private final String host;
    private final int port;

    public TcpConsoleConnector(String host, int port) {
        this.host = host;
        this.port = port;
    }

    @Override
    public ConsoleLink connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5000);
        s.setTcpNoDelay(true);
        s.setKeepAlive(true);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
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
                    s.close();
                } catch (IOException ignored) {
                    // already gone
                }
            }
        };
    }

    @Override
    public String describe() {
        return "console server " + host + ":" + port;
    }
}
