package io.kdumplab.harness.device;

/** What a remote command printed and how it ended. */
public record CommandResult(String command, int exitStatus, String stdout, String stderr) {
    public boolean ok() {
        return exitStatus == 0;
    }

    public String out() {
        return stdout.strip();
    }
}
