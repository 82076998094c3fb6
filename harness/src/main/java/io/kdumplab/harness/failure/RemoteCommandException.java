package io.kdumplab.harness.failure;

/**
 * A command ran on the host and exited non-zero. SSH itself worked, so this
 * is not an "ssh" failure: the step that ran the command decides what it
 * means (its runner turns it into the step's failure class).
 */
public final class RemoteCommandException extends HarnessException {
    private final String command;
    private final int exitStatus;
    private final String output;

    public RemoteCommandException(String host, String command, int exitStatus, String output) {
        super("'" + command + "' exited " + exitStatus + " on " + host + (output.isBlank() ? "" : ": " + output.strip()), "", null);
        this.command = command;
        this.exitStatus = exitStatus;
        this.output = output;
    }

    public String command() {
        return command;
    }

    public int exitStatus() {
        return exitStatus;
    }

    public String output() {
        return output;
    }
}
