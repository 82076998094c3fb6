package io.kdumplab.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.inventory.TargetHost;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.lab.LabSpec;
import io.kdumplab.harness.lab.VirtualLab;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.run.ScenarioLoader;
import io.kdumplab.harness.verdict.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "repro", mixinStandardHelpOptions = true,
        description = {"Run the NMI-under-console-flood experiment on one host and grade it by the vmcore:",
                "vmcore saved and readable = PASS, anything else = FAIL. Without --inventory the virtual lab is used",
                "(brought up if needed)."},
        footer = {"", "Exit codes (git bisect run compatible): 0 PASS, 1 FAIL, 125 INFRA_ERROR or KDUMP_NOT_READY (skip),",
                "2 usage/input error, 128 internal error, 130 interrupted.",
                "", "Examples:",
                "  ./harness.sh repro                                   seed scenario on the virtual lab",
                "  ./harness.sh repro --control sysrq-c                 the control that must pass",
                "  ./harness.sh repro --nmi-count 2 --nmi-spacing-ms 5  a nested NMI, as the hardlockup watchdog sends",
                "  ./harness.sh repro --wedge                           virtual lab only: show the field failure (FAIL, hang)",
                "  ./harness.sh repro -i inventories/lab.yaml --host r740-03 --no-configure"})
public final class ReproCommand implements Callable<Integer> {
    @Option(names = {"-i", "--inventory"}, description = "inventory YAML (default: the virtual lab)")
    Path inventory;
    @Option(names = "--host", description = "host name in the inventory (default: the first)")
    String hostName;
    @Option(names = "--lab", defaultValue = LabSpec.DEFAULT_NAME, description = "virtual lab instance when no inventory is given (default: ${DEFAULT-VALUE})")
    String lab;
    @Option(names = "--console", description = "virtual lab console path: tcp (default), sol or serial")
    String console;
    @Option(names = {"-s", "--scenario"}, description = "scenario YAML; overrides the seed's defaults field by field")
    Path scenarioFile;
    @Option(names = "--control", description = "run a control instead: sysrq-c or nmi-watchdog-0")
    String control;
    @Option(names = "--nmi-count", description = "NMIs per trigger (default 1)")
    Integer nmiCount;
    @Option(names = "--nmi-spacing-ms", description = "time between NMIs of a burst (default 5)")
    Integer nmiSpacing;
    @Option(names = "--threads", description = "spammer kthreads (default 4)")
    Integer threads;
    @Option(names = "--interval-us", description = "spammer sleep between messages per thread (default 1000)")
    Integer intervalUs;
    @Option(names = "--msg-len", description = "spammer message length (default 80)")
    Integer msgLen;
    @Option(names = "--loglevel", description = "spammer printk level (default 3)")
    Integer loglevel;
    @Option(names = "--no-spammer", description = "no console flood")
    boolean noSpammer;
    @Option(names = "--wedge", arity = "0..1", fallbackValue = "100", description = "load the test-only panic_wedge module (probability %%, default 100)")
    Integer wedge;
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
        VirtualLab virtualLab = new VirtualLab(LabPaths.fromEnvironment(), m -> {
            if (!quiet) {
                System.err.println("[lab] " + m);
            }
        });
        Inventory inv = inventory != null ? Inventory.load(inventory)
                : Inventory.virtualLab(lab, console == null ? "tcp" : console);
        String name = hostName != null ? hostName : inv.hostNames().get(0);
        TargetHost host = inv.resolve(name, virtualLab);
        RunResult r;
        ReproRun run;
        try (Progress progress = new Progress(quiet)) {
            run = new ReproRun(host, scenario, new ReproRun.Options(!noConfigure, Duration.ofSeconds(60), progress), reports);
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
        Scenario s = scenarioFile != null ? ScenarioLoader.load(scenarioFile) : Scenario.seed();
        if (control != null) {
            s = switch (control) {
                case "sysrq-c" -> s.withTrigger(Scenario.Trigger.SYSRQ_C);
                case "nmi-watchdog-0" -> s.withNmiWatchdogOff();
                default -> throw new io.kdumplab.harness.util.ConfigurationException("unknown control '" + control + "'",
                        "use --control sysrq-c or --control nmi-watchdog-0");
            };
        }
        if (nmiCount != null || nmiSpacing != null) {
            s = s.withNmi(nmiCount != null ? nmiCount : s.nmi().count(), nmiSpacing != null ? nmiSpacing : s.nmi().spacingMs());
        }
        Scenario.Spammer sp = s.spammer();
        s = s.withSpammer(new Scenario.Spammer(!noSpammer && sp.enabled(), threads != null ? threads : sp.threads(),
                intervalUs != null ? intervalUs : sp.intervalUs(), msgLen != null ? msgLen : sp.msgLen(),
                loglevel != null ? loglevel : sp.loglevel()));
        if (wedge != null) {
            s = s.withWedge(wedge);
        }
        ScenarioLoader.validate(scenarioFile, s);
        return s;
    }
}
