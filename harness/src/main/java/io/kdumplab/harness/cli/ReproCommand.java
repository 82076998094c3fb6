package io.kdumplab.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kdumplab.harness.inventory.TargetHost;
import io.kdumplab.harness.report.RunReports;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.verdict.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "repro", mixinStandardHelpOptions = true,
        description = {"Run the NMI-under-console-flood experiment on one host and grade it by the vmcore:",
                "vmcore saved and readable = PASS, anything else = FAIL. Without --inventory the virtual lab is used",
                "(brought up if needed)."},
        footer = {"", "Exit codes (git bisect run compatible): 0 PASS, 1 FAIL, 125 INFRA_ERROR or KDUMP_NOT_READY (skip),",
                "2 usage/input error (checked before anything is touched), 128 harness bug, 130/143 interrupted (SIGINT/SIGTERM).",
                "", "Examples:",
                "  ./harness.sh repro                                   seed scenario on the virtual lab",
                "  ./harness.sh repro --control sysrq-c                 the control that must pass",
                "  ./harness.sh repro --nmi-count 2 --nmi-spacing-ms 5  a nested NMI, as the hardlockup watchdog sends",
                "  ./harness.sh repro --wedge                           virtual lab only: show the field failure (FAIL, hang)",
                "  ./harness.sh repro -i inventories/lab.yaml --host r740-03 --no-configure"})
public final class ReproCommand implements Callable<Integer> {
    @Mixin
    TargetOptions target = new TargetOptions();
    @Mixin
    ScenarioOptions scenarioOptions = new ScenarioOptions();
    @Option(names = "--no-configure", description = "only check kdump readiness; never change the boot configuration or reboot")
    boolean noConfigure;
    @Option(names = "--reports", defaultValue = "${env:HARNESS_REPORTS:-reports}", description = "where run directories go (default: ${DEFAULT-VALUE}; the launcher sets the repository's reports/)")
    Path reports;
    @Option(names = "--json", description = "print result.json on stdout at the end")
    boolean json;
    @Option(names = {"-q", "--quiet"}, description = "no progress lines")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Scenario scenario = buildScenario();
        TargetHost host = target.resolve(quiet);
        RunResult r;
        ReproRun run;
        try (Progress progress = new Progress(quiet)) {
            run = new ReproRun(host, scenario, new ReproRun.Options(!noConfigure, scenarioOptions.hangAfter(), progress)
                    .withAfterRun(RunReports::write), reports);
            progress.attach(run);
            r = run.execute();
        }
        if (json) {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
        } else {
            System.out.println(r.verdict + ": " + r.reason);
            System.out.println("report: " + run.dir().resolve("index.html"));
        }
        return Verdict.valueOf(r.verdict).exitCode();
    }

    Scenario buildScenario() {
        return scenarioOptions.build();
    }
}
