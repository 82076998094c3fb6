package io.kdumplab.harness.cli;

import io.kdumplab.harness.lab.LabBench;
import io.kdumplab.harness.lab.LabPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the virtual lab (uses a lab named 'bench'): cold image build, cached start to SSH,",
                "crash -> dump saved -> SSH back for sysrq-c and for a BMC diag NMI, and the console line rate.",
                "Targets on 2 cores under TCG: build <= 15 min, start <= 45 s, crash cycle <= 150 s."})
final class LabBenchCommand implements Callable<Integer> {
    @Option(names = "--cold", description = "also build the image from scratch into a temporary cache and time it")
    boolean cold;

    @Override
    public Integer call() throws Exception {
        Map<String, String> figures = new LabBench(LabPaths.fromEnvironment(), m -> System.err.println("[bench] " + m)).run(cold);
        System.out.println("virtual lab benchmark (" + Runtime.getRuntime().availableProcessors() + " cores, TCG)");
        figures.forEach((k, v) -> System.out.printf("  %-40s %s%n", k, v));
        return ExitCodes.OK;
    }
}
