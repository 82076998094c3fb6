package io.kdumplab.harness.cli;

import io.kdumplab.harness.bisect.BisectSimulation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "bisect", mixinStandardHelpOptions = true,
        description = "Bisection of kernel builds (in progress: the statistics and their simulation are in place).",
        subcommands = {BisectCommand.Simulate.class})
public final class BisectCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "simulate", mixinStandardHelpOptions = true,
            description = {"Benchmark of the bisection statistics alone (seeded): many bisections over N builds with known",
                    "repro rates; error rate and trials of the adaptive model vs a fixed number of trials per build."})
    static final class Simulate implements Callable<Integer> {
        @Option(names = "--builds", defaultValue = "64") int builds;
        @Option(names = "--bisections", defaultValue = "2000") int bisections;
        @Option(names = "--rates", defaultValue = "0.3,0.6,1.0", split = ",", description = "true repro rates")
        double[] rates;
        @Option(names = "--stated", defaultValue = "0.3,0.5,0.9", split = ",", description = "the minimum repro rate the user states for each")
        double[] stated;
        @Option(names = "--error-rate", defaultValue = "0.02", description = "acceptable probability of naming the wrong build")
        double errorRate;
        @Option(names = "--fixed-tries", defaultValue = "5") int fixedTries;
        @Option(names = "--seed", defaultValue = "42") long seed;

        @Override
        public Integer call() {
            if (stated.length != rates.length) {
                throw new io.kdumplab.harness.util.ConfigurationException("--stated needs one value per --rates value",
                        "e.g. --rates 0.3,0.6,1.0 --stated 0.3,0.5,0.9");
            }
            System.out.printf("%d bisections over %d builds per rate; rates %s, stated minimum %s, seed %d%n", bisections, builds,
                    Arrays.toString(rates), Arrays.toString(stated), seed);
            System.out.print(BisectSimulation.table(BisectSimulation.run(builds, bisections, rates, stated, errorRate,
                    fixedTries, seed)));
            return ExitCodes.OK;
        }
    }
}
