package io.kdumplab.harness.cli;

public final class Main {
    private Main() {}

    public static void main(String[] args) {
        picocli.CommandLine cl;
        try {
            cl = Cli.create();
        } catch (io.kdumplab.harness.failure.ConfigurationException e) {
            // the machine's configuration file is wrong: nothing runs until it is fixed
            System.err.println("error: " + e.describe());
            System.exit(ExitCodes.USAGE);
            return;
        }
        System.exit(cl.execute(args));
    }
}
