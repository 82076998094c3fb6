package io.kdumplab.harness.cli;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.KdumpNotReadyException;
import io.kdumplab.harness.failure.RemoteCommandException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.WaitTimeoutException;
import picocli.CommandLine;

import java.io.PrintWriter;

/** Builds the command line; tests use this same factory. */
public final class Cli {
    private Cli() {}

    public static CommandLine create() {
        return create(io.kdumplab.harness.config.HarnessConfig.fromEnvironment(System.getenv()).orElse(null), System.getenv());
    }

    /** With a machine's configuration file (null: none) as the defaults of the options it names. */
    static CommandLine create(io.kdumplab.harness.config.HarnessConfig config, java.util.Map<String, String> env) {
        CommandLine cl = new CommandLine(new RootCommand());
        if (config != null) {
            cl.setDefaultValueProvider(new ConfigDefaults(config, env));
            io.kdumplab.harness.store.Database.credentialsFromConfig(config.databaseUser(), config.databasePasswordFile());
        }
        cl.setExecutionExceptionHandler(Cli::handle);
        // `./harness.sh serve --help`: picocli would print the root help for the unknown command and exit 0
        cl.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult last = parsed;
            while (last.hasSubcommand()) {
                last = last.subcommand();
            }
            if (!last.unmatched().isEmpty()) {
                CommandLine c = last.commandSpec().commandLine();
                c.getErr().println("error: unknown command or argument '" + last.unmatched().get(0) + "' for '"
                        + c.getCommandSpec().qualifiedName() + "'");
                CommandLine.UnmatchedArgumentException.printSuggestions(
                        new CommandLine.UnmatchedArgumentException(c, last.unmatched()), c.getErr());
                c.getErr().println("see: " + c.getCommandSpec().qualifiedName() + " --help");
                return ExitCodes.USAGE;
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        // bad flags: the command's own code (git-run uses 129 so git bisect stops instead of marking the commit bad)
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException pe
                ? pe.getCommandLine().getCommandSpec().exitCodeOnInvalidInput() : ExitCodes.INTERNAL);
        return cl;
    }

    static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (e instanceof ConfigurationException c) {
            err.println("error: " + c.describe());
            return ExitCodes.USAGE;
        }
        if (e instanceof InfrastructureException i) {
            err.println("infrastructure error: " + i.describe());
            return ExitCodes.INFRA;
        }
        if (e instanceof KdumpNotReadyException k) {
            err.println("kdump not ready: " + k.describe());
            return ExitCodes.INFRA;
        }
        if (e instanceof RemoteCommandException r) {
            err.println("host error: " + r.describe());
            return ExitCodes.INFRA;
        }
        if (e instanceof CancelledException c) {
            err.println("cancelled: " + c.getMessage());
            return ExitCodes.INTERRUPTED;
        }
        if (e instanceof WaitTimeoutException w) {
            err.println("infrastructure error: " + w.getMessage());
            return ExitCodes.INFRA;
        }
        err.println("internal error (a harness bug, please report it with this trace):");
        e.printStackTrace(err);
        return ExitCodes.INTERNAL;
    }
}
