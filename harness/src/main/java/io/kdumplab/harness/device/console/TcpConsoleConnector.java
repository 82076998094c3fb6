package io.kdumplab.harness.device.console;

import java.io.IOException;
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
        return ConsoleLink.of(s.getInputStream(), s.getOutputStream(), s::close);
    }

    @Override
    public String describe() {
        return "console server " + host + ":" + port;
    }
}
