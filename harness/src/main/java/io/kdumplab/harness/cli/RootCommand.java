package io.kdumplab.harness.cli;

import picocli.CommandLine.Command;

@Command(name = "harness", mixinStandardHelpOptions = true, version = "nmi-kdump-harness 0.1.0",
        description = "Proves that a Linux server saves a crash dump when it panics from an NMI while its serial console is flooded.",
        subcommands = {ReproCommand.class, ReportCommand.class, BisectCommand.class, NightlyCommand.class, LabCommand.class,
                BenchCommand.class},
        footer = {"", "Exit codes: 0 ok/PASS, 1 FAIL, 2 usage or input error, 125 infrastructure error or precondition",
                "            (SSH, BMC, console, KDUMP_NOT_READY), 128 internal error, 130 interrupted.",
                "", "Examples:", "  ./harness lab up              bring up the virtual lab (builds its image on first use)",
                "  ./harness lab status --json   endpoints and health of the virtual lab"})
public final class RootCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
