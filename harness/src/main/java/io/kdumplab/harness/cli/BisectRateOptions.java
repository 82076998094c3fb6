package io.kdumplab.harness.cli;

import picocli.CommandLine.Option;

/**
 * What a bisection needs to know of the bug, the same for `bisect run` (builds) and `bisect git-run` (commits):
 * how often a bad kernel fails, the accepted chance of a wrong answer, and retries of trials that could not be
 * judged. One default for both: a bug assumed to fail every time when it does not gives a wrong answer.
 */
public final class BisectRateOptions {
    @Option(names = {"--repro-rate", "--min-repro-rate"}, defaultValue = "0.5",
            description = "share of trials in which a bad kernel fails, as far as you know (default ${DEFAULT-VALUE}; 1 = deterministic)."
                    + " bisect run: it only shapes the prior (the rate is learnt; a guess twice too high still gives a calibrated"
                    + " answer, one too low costs time). git-run: a commit is good after the passes that rule this rate out at"
                    + " --error-rate (5 at 0.5, 1 at 1). 1 is trusted: if the bug ever passed on a bad kernel, give 0.8 or your best guess")
    double minReproRate;
    @Option(names = "--error-rate", defaultValue = "0.05", description = "accepted chance of a wrong answer (default ${DEFAULT-VALUE})")
    double errorRate;
    @Option(names = "--retries", defaultValue = "2",
            description = "retries of an INFRA_ERROR / KDUMP_NOT_READY trial before the build or commit is skipped (default ${DEFAULT-VALUE})")
    int retries;
}
