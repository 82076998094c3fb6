package io.kdumplab.harness.target;

/**
 * How to read a host's serial console: a local serial device, IPMI SOL through its BMC, a console server's port
 * (raw TCP, or telnet with RFC 2217 line settings), or SSH to a BMC or console server (`ssh`, with the `command`
 * typed there to attach, if any).
 */
public record ConsoleEndpoint(Type type, String device, int baud, String host, int port, SshEndpoint ssh, String command) {
    public enum Type { SERIAL, SOL, TCP, TELNET, SSH }

    public ConsoleEndpoint(Type type, String device, int baud, String host, int port) {
        this(type, device, baud, host, port, null, null);
    }

    /** An SSH console. */
    public static ConsoleEndpoint ssh(SshEndpoint ssh, String command, int baud) {
        return new ConsoleEndpoint(Type.SSH, null, baud, ssh.host(), ssh.port(), ssh, command);
    }

    public String describe() {
        return switch (type) {
            case SERIAL -> "serial " + device + " @" + baud;
            case SOL -> "IPMI SOL";
            case TCP -> "console server " + host + ":" + port;
            case TELNET -> "telnet console server " + host + ":" + port;
            case SSH -> "SSH console " + ssh.describe() + (command == null || command.isBlank() ? "" : " ('" + command + "')");
        };
    }
}
