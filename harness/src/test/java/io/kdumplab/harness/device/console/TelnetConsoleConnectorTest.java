package io.kdumplab.harness.device.console;

import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * The telnet console over a server that negotiates as ser2net does (ECHO, SUPPRESS-GO-AHEAD, COM-PORT-OPTION): the
 * console sees the data only, a literal 0xFF once, and an RFC 2217 server gets the line settings. (The lab's real
 * ser2net is the integration test's.)
 */
@Test(groups = "unit")
public class TelnetConsoleConnectorTest {
    private static final int IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;

    private static byte[] bytes(int... b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = (byte) b[i];
        }
        return r;
    }

    public void negotiationNeverReachesTheConsoleAndRfc2217GetsTheLineSettings() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> fromClient = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write(bytes(IAC, WILL, 1, IAC, WILL, 3, IAC, DO, 44));
                    out.flush();
                    Thread.sleep(300);
                    out.write("[    1.000] Linux version 6.1.0\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.write(bytes('a', IAC, IAC, 'b', '\r', '\n'));
                    out.write(bytes(IAC, SB, 44, 101, 0, 0, 0x1c, 0x20, IAC, SE)); // the server's SET-BAUDRATE reply
                    out.write("end\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(500);
                    s.setSoTimeout(200);
                    ByteArrayOutputStream got = new ByteArrayOutputStream();
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[256];
                    try {
                        for (int n; (n = in.read(buf)) > 0; ) {
                            got.write(buf, 0, n);
                        }
                    } catch (java.net.SocketTimeoutException done) {
                        // all the client sent
                    }
                    return got.toByteArray();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            List<String> log = new ArrayList<>();
            TelnetConsoleConnector c = new TelnetConsoleConnector("127.0.0.1", server.getLocalPort(), 115200, log::add);
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            try (ConsoleLink link = c.connect()) {
                byte[] buf = new byte[256];
                while (!seen.toString(StandardCharsets.ISO_8859_1).contains("end\r\n")) {
                    int n = link.read(buf);
                    assertTrue(n > 0, "data before the end: " + seen);
                    seen.write(buf, 0, n);
                }
                byte[] sent = fromClient.get(10, TimeUnit.SECONDS);
                // IAC SB COM-PORT-OPTION SET-BAUDRATE 115200 IAC SE
                assertTrue(contains(sent, bytes(IAC, SB, 44, 1, 0, 1, 0xc2, 0x00, IAC, SE)), "SET-BAUDRATE sent: " + hex(sent));
                assertTrue(contains(sent, bytes(IAC, SB, 44, 2, 8, IAC, SE)), "SET-DATASIZE 8: " + hex(sent));
            }
            String text = seen.toString(StandardCharsets.ISO_8859_1);
            assertEquals(text, "[    1.000] Linux version 6.1.0\r\na\u00ffb\r\nend\r\n", "data only; one literal 0xFF");
            assertTrue(log.stream().anyMatch(l -> l.contains("speaks RFC 2217")), log.toString());
        }
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x ", x & 0xff));
        }
        return sb.toString();
    }
}
