package io.kdumplab.harness.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure the lab (placeholder until wired).")
final class LabBenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return ExitCodes.OK;
    }
}
