package io.kdumplab.harness.inventory;

/** How to read a host's serial console: a local serial device, IPMI SOL through its BMC, or a console server. */
public record ConsoleEndpoint(Type type, String device, int baud, String host, int port) {
    public enum Type { SERIAL, SOL, TCP }

    public String describe() {
        return switch (type) {
            case SERIAL -> "serial " + device + " @" + baud;
            case SOL -> "IPMI SOL";
            case TCP -> "console server " + host + ":" + port;
        };
    }
}
