package io.kdumplab.harness.device.console;

import org.apache.commons.net.telnet.EchoOptionHandler;
import org.apache.commons.net.telnet.InvalidTelnetOptionException;
import org.apache.commons.net.telnet.SimpleOptionHandler;
import org.apache.commons.net.telnet.SuppressGAOptionHandler;
import org.apache.commons.net.telnet.TelnetClient;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A telnet console server port (ser2net, Opengear, Digi, Avocent): the telnet protocol (RFC 854) is spoken by
 * commons-net's TelnetClient, so negotiation bytes (IAC ...) never reach the console log or the line statistics, and a
 * literal 0xFF in the data arrives as one byte. With RFC 2217 (COM-PORT-OPTION) the remote serial port's line is set
 * to the console's baud rate, 8 data bits, no parity, 1 stop bit, as a serial console needs.
 */
public final class TelnetConsoleConnector implements ConsoleConnector {
    /** RFC 2217: the client's COM-PORT-OPTION and its subnegotiation commands (client to server). */
    static final int COM_PORT_OPTION = 44;
    static final int SET_BAUDRATE = 1;
    static final int SET_DATASIZE = 2;
    static final int SET_PARITY = 3;
    static final int SET_STOPSIZE = 4;
    private static final int CONNECT_TIMEOUT_MS = 5000;

    private final String host;
    private final int port;
    private final int baud;
    private final Consumer<String> log;

    public TelnetConsoleConnector(String host, int port, int baud, Consumer<String> log) {
        this.host = host;
        this.port = port;
        this.baud = baud;
        this.log = log;
    }

    /** SET-BAUDRATE, SET-DATASIZE 8, SET-PARITY NONE, SET-STOPSIZE 1 as RFC 2217 subnegotiations (without IAC SB/SE). */
    static int[][] lineSettings(int baud) {
        return new int[][] {
                {COM_PORT_OPTION, SET_BAUDRATE, baud >>> 24 & 0xff, baud >>> 16 & 0xff, baud >>> 8 & 0xff, baud & 0xff},
                {COM_PORT_OPTION, SET_DATASIZE, 8},
                {COM_PORT_OPTION, SET_PARITY, 1},
                {COM_PORT_OPTION, SET_STOPSIZE, 1}};
    }

    @Override
    public ConsoleLink connect() throws IOException {
        TelnetClient t = new TelnetClient();
        t.setConnectTimeout(CONNECT_TIMEOUT_MS);
        try {
            t.addOptionHandler(new SuppressGAOptionHandler(true, true, true, true));
            t.addOptionHandler(new EchoOptionHandler(false, false, true, false));
            t.addOptionHandler(new SimpleOptionHandler(COM_PORT_OPTION, true, false, true, false));
        } catch (InvalidTelnetOptionException e) {
            throw new IllegalStateException("telnet option handlers: " + e.getMessage(), e);
        }
        t.connect(host, port);
        t.setTcpNoDelay(true);
        t.setKeepAlive(true);
        // the server answers our WILL COM-PORT-OPTION within its first round trip; a plain telnet server never does
        long until = System.nanoTime() + 1_000_000_000L;
        while (!t.getLocalOptionState(COM_PORT_OPTION) && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                t.disconnect();
                throw new IOException("interrupted while negotiating with " + describe());
            }
        }
        if (t.getLocalOptionState(COM_PORT_OPTION)) {
            for (int[] sub : lineSettings(baud)) {
                t.sendSubnegotiation(sub);
            }
            log.accept("console: " + describe() + " speaks RFC 2217; line set to " + baud + " 8N1");
        }
        return ConsoleLink.of(t.getInputStream(), t.getOutputStream(), t::disconnect);
    }

    @Override
    public String describe() {
        return "telnet console server " + host + ":" + port;
    }
}
