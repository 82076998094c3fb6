package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.ProcessIdentity;
import io.kdumplab.harness.util.Processes;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A lab process just started (the console relay, ser2net, an sshd, the Redfish service): its identity, and the one
 * wait for it to listen on its port, which ends at once, quoting its log, when the process exits instead.
 */
final class ProcessStart {
    private ProcessStart() {}

    /** The process just started, or why it is already gone (its log's last lines). */
    static ProcessIdentity identity(long pid, String what, Path log) {
        return ProcessIdentity.of(pid).orElseThrow(() -> new InfrastructureException("lab", "the " + what
                + " (pid " + pid + ") exited at start: " + tail(log, 5), "see " + log));
    }

    /**
     * Until the process listens on its port (and `alsoReady`, e.g. its pty exists); a failure of `component` naming
     * `what` and its log's last lines when it exits first.
     */
    static void awaitListening(long pid, String what, String component, int port, Path log, Duration timeout,
                               BooleanSupplier alsoReady) {
        Wait.until(Deadline.in(what + " listening on " + VirtualLab.HOST + ":" + port, timeout), Duration.ofMillis(100), () -> {
            if (!Processes.alive(pid)) {
                return Wait.Result.fatal(new InfrastructureException(component, "the " + what + " exited at start: "
                        + tail(log, 8), "see " + log));
            }
            return portAccepts(port) && alsoReady.getAsBoolean() ? Wait.Result.ready(true) : Wait.Result.notYet("not listening yet");
        });
    }

    static void awaitListening(long pid, String what, String component, int port, Path log, Duration timeout) {
        awaitListening(pid, what, component, port, log, timeout, () -> true);
    }

    static boolean portAccepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(VirtualLab.HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last `n` non-empty lines of a log, for messages. */
    static String tail(Path file, int n) {
        try {
            if (!Files.exists(file)) {
                return "(no " + file.getFileName() + ")";
            }
            List<String> lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            List<String> tail = new ArrayList<>();
            for (int i = lines.size() - 1; i >= 0 && tail.size() < n; i--) {
                String l = lines.get(i).replace("\r", "").strip();
                if (!l.isEmpty()) {
                    tail.add(0, l);
                }
            }
            return String.join("\n", tail);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
