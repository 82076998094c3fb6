package io.kdumplab.harness.lab;

import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.ProcessIdentity;
import io.kdumplab.harness.util.Processes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The lab's telnet console server: Debian's ser2net in front of the guest's serial line (the relay's pty), as a
 * console server port with RFC 2217, so the harness meets telnet negotiation and line settings as it does on an
 * Opengear or a Digi. ser2net opens the line only while a client is connected.
 */
final class TelnetConsoleProcess {
    static final String SER2NET = "ser2net";

    private TelnetConsoleProcess() {}

    static boolean available() {
        return Processes.which(SER2NET).isPresent();
    }

    /** Returns the identity of the started ser2net; its port accepts connections when this returns. */
    static ProcessIdentity start(Path dir, String pty, int port, int baud, Consumer<String> progress) {
        Path config = dir.resolve("ser2net.yaml");
        AtomicFiles.write(config, String.join("\n",
                "%YAML 1.1",
                "---",
                "# the lab's telnet console server; written by the harness at each start",
                "connection: &console",
                "  accepter: telnet(rfc2217),tcp," + VirtualLab.HOST + "," + port,
                "  connector: serialdev," + pty + "," + baud + "n81,local",
                "  options:",
                "    kickolduser: false",
                ""));
        progress.accept("starting the telnet console server (ser2net, RFC 2217) on " + VirtualLab.HOST + ":" + port);
        long pid = Processes.startDetached(List.of(SER2NET, "-n", "-u", "-c", config.toString(),
                "-P", dir.resolve("ser2net.pid").toString()), dir.resolve("ser2net.log"), dir);
        ProcessIdentity id = ProcessStart.identity(pid, "telnet console server (ser2net)", dir.resolve("ser2net.log"));
        ProcessStart.awaitListening(pid, "telnet console server (ser2net, configuration " + config + ")", "console", port,
                dir.resolve("ser2net.log"), Duration.ofSeconds(10));
        return id;
    }
}
