package io.kdumplab.harness.cli;

import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.run.ScenarioLoader;
import io.kdumplab.harness.failure.ConfigurationException;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The experiment: a scenario file and per-field overrides. Shared by repro and bisect. */
public final class ScenarioOptions {
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

    @Option(names = "--hang-after", defaultValue = "60", description = "seconds of console silence after the trigger that mean a hang (default ${DEFAULT-VALUE})")
    int hangAfter;

    /** How long a quiet console after the trigger counts as a hang (then the BMC power-cycles the host). */
    java.time.Duration hangAfter() {
        if (hangAfter < 10) {
            throw new ConfigurationException("--hang-after " + hangAfter + " is too short", "the capture kernel can take 20 s to print under TCG; use 30 or more");
        }
        return java.time.Duration.ofSeconds(hangAfter);
    }

    Scenario build() {
        Scenario s = scenarioFile != null ? ScenarioLoader.load(scenarioFile) : Scenario.seed();
        if (control != null) {
            if (!control.equals("sysrq-c") && !control.equals("nmi-watchdog-0")) {
                throw new ConfigurationException("unknown control '" + control + "'",
                        "use --control sysrq-c or --control nmi-watchdog-0");
            }
            s = Scenario.named(control, s).orElseThrow();
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
