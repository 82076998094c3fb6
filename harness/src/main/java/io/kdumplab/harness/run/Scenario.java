package io.kdumplab.harness.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one repro run does. Defaults are the seed's procedure: 4 spammer
 * threads x 1 message/ms, the three NMI panic sysctls, one NMI from the BMC.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Scenario(String name, Trigger trigger, Spammer spammer, Map<String, String> sysctls, Nmi nmi,
                       Wedge wedge, Timeouts timeouts) {

    /** How the panic is raised. NMI is the experiment; SYSRQ_C is the control that must pass. */
    public enum Trigger {
        @JsonProperty("nmi") NMI,
        @JsonProperty("sysrq-c") SYSRQ_C
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Spammer(boolean enabled, int threads, int intervalUs, int msgLen, int loglevel) {
        /** Messages per second the spammer asks for (at most; the console may not keep up). */
        public double requestedRate() {
            return enabled ? threads * 1e6 / intervalUs : 0;
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Nmi(int count, int spacingMs) {}

    /** The test-only panic_wedge module (FAIL path on a fixed kernel). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Wedge(boolean enabled, int probability) {}

    /** Seconds per phase. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Timeouts(int preflight, int kdumpReady, int reboot, int spammerBuild, int spammerOnConsole,
                           int captureKernel, int dumpSaved, int sshBack, int evidence) {}

    /** The scenarios with names (nightly plans, `--control`): the seed, a nested-NMI burst and the two controls. */
    public static final java.util.List<String> NAMED = java.util.List.of("seed", "nmi-burst", "sysrq-c", "nmi-watchdog-0");

    /** A named scenario derived from `base` (the seed, or a scenario file's); empty for an unknown name. */
    public static java.util.Optional<Scenario> named(String name, Scenario base) {
        return java.util.Optional.ofNullable(switch (name) {
            case "seed" -> base;
            case "nmi-burst" -> base.withNmi(2, 5);
            case "sysrq-c" -> base.withTrigger(Trigger.SYSRQ_C);
            case "nmi-watchdog-0" -> base.withNmiWatchdogOff();
            default -> null;
        });
    }

    public static Scenario seed() {
        Map<String, String> sysctls = new LinkedHashMap<>();
        sysctls.put("kernel.unknown_nmi_panic", "1");
        sysctls.put("kernel.panic_on_unrecovered_nmi", "1");
        sysctls.put("kernel.panic_on_io_nmi", "1");
        return new Scenario("nmi-under-console-flood", Trigger.NMI, new Spammer(true, 4, 1000, 80, 3), sysctls,
                new Nmi(1, 5), new Wedge(false, 100), defaultTimeouts());
    }

    public static Timeouts defaultTimeouts() {
        return new Timeouts(60, 240, 300, 600, 30, 120, 300, 300, 180);
    }

    /** The sysrq-c control: same flood, panic by `echo c > /proc/sysrq-trigger`. */
    public Scenario withTrigger(Trigger t) {
        return new Scenario(t == Trigger.SYSRQ_C ? name + "+sysrq-c" : name, t, spammer, sysctls, nmi, wedge, timeouts);
    }

    /** The nmi_watchdog=0 control: the hardlockup detector off, so no nested watchdog NMI. */
    public Scenario withNmiWatchdogOff() {
        Map<String, String> s = new LinkedHashMap<>(sysctls);
        s.put("kernel.nmi_watchdog", "0");
        return new Scenario(name + "+nmi_watchdog=0", trigger, spammer, s, nmi, wedge, timeouts);
    }

    public Scenario withNmi(int count, int spacingMs) {
        return new Scenario(name, trigger, spammer, sysctls, new Nmi(count, spacingMs), wedge, timeouts);
    }

    public Scenario withWedge(int probability) {
        return new Scenario(name + "+panic_wedge", trigger, spammer, sysctls, nmi, new Wedge(true, probability), timeouts);
    }

    public Scenario withSpammer(Spammer s) {
        return new Scenario(name, trigger, s, sysctls, nmi, wedge, timeouts);
    }

    public Scenario withTimeouts(Timeouts t) {
        return new Scenario(name, trigger, spammer, sysctls, nmi, wedge, t);
    }
}
