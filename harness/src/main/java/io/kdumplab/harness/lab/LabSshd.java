package io.kdumplab.harness.lab;

import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.util.ProcessIdentity;
import io.kdumplab.harness.util.Processes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Starting one of the lab's own OpenSSH servers (the SSH dump server, the SSH console) from a configuration the
 * lab wrote: checked with `sshd -t` first, run in the foreground as a process of the lab's, ready when its port
 * accepts connections.
 */
final class LabSshd {
    static final String SSHD = "/usr/sbin/sshd";
    private static final Duration CHECK = Duration.ofSeconds(30);
    private static final Duration LISTEN = Duration.ofSeconds(15);

    private LabSshd() {}

    /** `what` names it in messages ("SSH dump server"), `component` is the failure's component. */
    static ProcessIdentity start(Path dir, Path config, int port, String what, String component) {
        Processes.Outcome check = Processes.run(List.of(SSHD, "-t", "-f", config.toString()), CHECK, dir);
        if (!check.ok()) {
            throw new InfrastructureException(component, "sshd refuses the lab's " + what + " configuration " + config + ": "
                    + check.output().strip(), "see " + config);
        }
        Path log = dir.resolve("sshd.log");
        long pid = Processes.startDetached(List.of(SSHD, "-D", "-e", "-f", config.toString()), log, dir);
        ProcessIdentity id = ProcessStart.identity(pid, what + " (sshd)", log);
        ProcessStart.awaitListening(pid, what, component, port, log, LISTEN);
        return id;
    }
}
