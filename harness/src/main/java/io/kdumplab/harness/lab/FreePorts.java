package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.ConfigurationException;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Picks free loopback ports, or checks that a requested one is free. */
public final class FreePorts {
    private final String host;
    private final Set<Integer> handedOut = new HashSet<>();

    public FreePorts(String host) {
        this.host = host;
    }

    /** A TCP port: the requested one if free (else a clear error), or a free one when 0. */
    public int tcp(String purpose, int requested) {
        return pick(purpose, requested, false);
    }

    /** A UDP port (RMCP+ runs on UDP). */
    public int udp(String purpose, int requested) {
        return pick(purpose, requested, true);
    }

    private int pick(String purpose, int requested, boolean udp) {
        if (requested > 0) {
            if (!free(requested, udp)) {
                throw new ConfigurationException(String.format("%s port %d/%s on %s is already in use", purpose,
                        requested, udp ? "udp" : "tcp", host),
                        "stop what uses it (ss -lntup | grep " + requested + "), pick another port, or omit the option to get a free one");
            }
            handedOut.add(requested);
            return requested;
        }
        for (int i = 0; i < 50; i++) {
            int p = ephemeral(udp);
            // the BMC port must also be free for TCP-less peers; avoid handing out a port twice
            if (handedOut.add(p) && free(p, !udp)) {
                return p;
            }
        }
        throw new ConfigurationException("no free " + (udp ? "udp" : "tcp") + " port on " + host, "free some ports");
    }

    private int ephemeral(boolean udp) {
        try {
            if (udp) {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
                    return s.getLocalPort();
                }
            }
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
                return s.getLocalPort();
            }
        } catch (IOException e) {
            throw new ConfigurationException("cannot open a socket on " + host + ": " + e.getMessage(), "");
        }
    }

    public boolean free(int port, boolean udp) {
        try {
            if (udp) {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), port))) {
                    return true;
                }
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }
}
