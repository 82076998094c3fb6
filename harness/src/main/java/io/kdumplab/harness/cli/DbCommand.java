package io.kdumplab.harness.cli;

import io.kdumplab.harness.store.PrivateCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The harness's own PostgreSQL cluster (used when no --db is given): where it is, whether it runs, who started it
 * and who uses it; and a way to stop it that never pulls it from under a user.
 */
@Command(name = "db", mixinStandardHelpOptions = true,
        description = "The private PostgreSQL cluster the harness starts when no --db is given (leases, nights, history).",
        subcommands = {DbCommand.Status.class, DbCommand.Stop.class})
final class DbCommand {
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Where the private cluster's data is, whether it runs, which process started (or adopted) it and "
                    + "whether that process still runs, and who is connected (harness processes by pid, other clients by "
                    + "program). Never starts it.", "Exit 0."},
            footer = {"", "Example:", "  ./harness.sh db status"})
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() {
            PrivateCluster c = PrivateCluster.local();
            System.out.println("private PostgreSQL cluster: " + c.dir());
            if (!c.isRunningOrInitialised()) {
                System.out.println("  not set up yet (the first nightly run, repro or host status that needs it creates it)");
                return ExitCodes.OK;
            }
            System.out.printf(Locale.ROOT, "  data    : %s (%.1f MiB)%n", c.dir().resolve("data"), c.dataBytes() / 1048576.0);
            boolean running = c.isRunning();
            System.out.println("  state   : " + (running ? "running on 127.0.0.1:" + portOf(c) : "stopped"));
            c.starter().ifPresentOrElse(s -> System.out.println("  started : by pid " + s.process().pid() + " at " + s.since()
                            + (s.process().isRunning() ? " (still running: " + commandOf(s.process().pid()) + ")"
                            : " (gone: the next harness process that uses the cluster looks after it and stops it when it is "
                            + "the last one out)")),
                    () -> System.out.println("  started : " + (running ? "not recorded (by an older harness or by hand): "
                            + "left running" : "-")));
            List<PrivateCluster.Client> clients = running ? c.clients() : List.of();
            if (running && clients.isEmpty()) {
                System.out.println("  clients : none");
            }
            for (PrivateCluster.Client cl : clients) {
                String who = cl.harnessPid() != null ? "harness pid " + cl.harnessPid() + " (" + commandOf(cl.harnessPid()) + ")"
                        : "'" + cl.application() + "'";
                System.out.println("  client  : " + who + " from " + cl.address() + ", " + cl.connections() + " connection(s) since "
                        + cl.since());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = {"Stops the private cluster (a fast shutdown: data stays consistent). Refused while another "
                    + "client is connected, naming it, unless --force.", "Exit 0 stopped (or not running), 125 refused."},
            footer = {"", "Example:", "  ./harness.sh db stop"})
    static final class Stop implements Callable<Integer> {
        @Option(names = "--force", description = "stop even while clients are connected (their work fails)")
        boolean force;

        @Override
        public Integer call() {
            PrivateCluster c = PrivateCluster.local();
            if (!c.isRunning()) {
                System.out.println("private PostgreSQL cluster " + c.dir() + ": not running");
                return ExitCodes.OK;
            }
            List<PrivateCluster.Client> clients = c.clients();
            if (!clients.isEmpty() && !force) {
                System.err.println("error: the private PostgreSQL cluster " + c.dir() + " is in use: " + clients.stream()
                        .map(cl -> cl.harnessPid() != null ? "harness pid " + cl.harnessPid() : "'" + cl.application() + "'")
                        .toList() + "\n  -> stop those first, or use --force");
                return ExitCodes.INFRA;
            }
            c.stop();
            System.out.println("private PostgreSQL cluster " + c.dir() + ": stopped");
            return ExitCodes.OK;
        }
    }

    private static String portOf(PrivateCluster c) {
        return c.url().replaceFirst(".*:(\\d+)/.*", "$1");
    }

    /** A process's command line, shortened, for people. */
    private static String commandOf(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine())
                .map(l -> l.replaceFirst("^\\S*/java .*?io\\.kdumplab\\.harness\\.cli\\.Main ", "harness ")
                        .replaceFirst("^\\S*/java .*?-jar \\S*harness\\.jar ", "harness "))
                .map(l -> l.length() > 100 ? l.substring(0, 100) + "..." : l).orElse("?");
    }
}
