package io.kdumplab.harness.cli;

public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(Cli.create().execute(args));
    }
}
