package io.kdumplab.harness.cli;

import picocli.CommandLine.Command;

@Command(name = "./harness.sh", mixinStandardHelpOptions = true, version = "nmi-kdump-harness 0.1.0",
        description = "Proves that a Linux server saves a crash dump when it panics from an NMI while its serial console is flooded.",
        subcommands = {ReproCommand.class, ReportCommand.class, BisectCommand.class, NightlyCommand.class, LabCommand.class,
                HostCommand.class, DbCommand.class, ServeCommand.class,
                BenchCommand.class, DocsCommand.class},
        footer = {"", "Exit codes (as git bisect run reads them):",
                "  0    PASS, or the command succeeded",
                "  1    FAIL: no vmcore (a verdict on the kernel)",
                "  2    usage or input error, found before anything is touched",
                "  125  infrastructure error or precondition (SSH, BMC, console, lab, kdump)",
                "  128  harness bug (see harness.log)",
                "  130  interrupted (143 on SIGTERM)",
                "", "Examples:", "  ./harness.sh repro                 the seed experiment on the virtual lab",
                "  ./harness.sh lab up                bring up the virtual lab",
                "  ./harness.sh lab status --json     endpoints and health of the virtual lab"})
public final class RootCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
