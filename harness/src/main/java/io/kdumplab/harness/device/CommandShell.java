package io.kdumplab.harness.device;


import java.nio.file.Path;
import java.time.Duration;

/**
 * A shell on the device under test. Every call ends within its timeout, even
 * when the host freezes mid-command (then it throws an infrastructure error).
 */
public interface CommandShell extends AutoCloseable {
    /** Runs a command; a non-zero exit is a result, not an exception. */
    CommandResult run(String command, Duration timeout);

    /** Runs a command and throws {@link io.kdumplab.harness.failure.RemoteCommandException} unless it exits 0. */
    default String check(String command, Duration timeout) {
        CommandResult r = run(command, timeout);
        if (!r.ok()) {
            throw new io.kdumplab.harness.failure.RemoteCommandException(describe(), command, r.exitStatus(),
                    r.stderr().isBlank() ? r.stdout() : r.stderr());
        }
        return r.out();
    }

    /** For commands that end the connection on purpose (sysrq-c, reboot): returns once the command was sent. */
    void runExpectingDisconnect(String command);

    void upload(Path local, String remote);

    /** user@host:port */
    String describe();

    @Override
    void close();
}
