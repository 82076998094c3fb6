package io.kdumplab.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.builds.BuildList;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.drivers.Devices;
import io.kdumplab.harness.device.boot.BuildProblem;
import io.kdumplab.harness.device.boot.Provisioner;
import io.kdumplab.harness.report.RunReports;
import io.kdumplab.harness.report.Series;
import io.kdumplab.harness.run.RunId;
import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.verdict.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
                "  ./harness.sh repro --kernel 6.1.0-56-rt-amd64         the seed experiment on the PREEMPT_RT kernel",
                "  ./harness.sh repro --runs 10                         a repro rate with its 95%% interval",
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
    @Option(names = "--kernel", paramLabel = "RELEASE", description = "run on this kernel: booted once before each run "
            + "(grub-reboot / grub2-reboot, checked with uname -r); the host's default entry is left as it was")
    String kernel;
    @Option(names = "--kernel-artifacts", paramLabel = "DIR", description = "install --kernel first from these build "
            + "artifacts (a builds directory or manifest, as `bisect --builds` takes)")
    Path kernelArtifacts;
    @Option(names = "--runs", paramLabel = "N", description = "N runs, each with its own run directory, then a summary: "
            + "verdict counts and the repro rate with a 95%% interval (infrastructure errors excluded)")
    Integer runs;
    @Option(names = "--until-fail", description = "stop at the first FAIL (at most --runs, default 100)")
    boolean untilFail;
    @picocli.CommandLine.Mixin
    HostLeaseOptions lease = new HostLeaseOptions();
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (runs != null && runs < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--runs must be at least 1 (got " + runs + ")");
        }
        if (kernelArtifacts != null && kernel == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--kernel-artifacts needs --kernel RELEASE");
        }
        Scenario scenario = buildScenario();
        // a full reports disk is an input problem: refused before a lab is started or a host is touched
        io.kdumplab.harness.run.PlanCheck.requireFreeSpace(reports, io.kdumplab.harness.run.ReportsStorage.MIN_FREE_BYTES);
        TargetHost host = target.resolve(quiet);
        if (kernel == null) {
            kernel = host.kernel(); // the inventory host's `kernel:`
        }
        int planned = untilFail ? (runs == null ? 100 : runs) : (runs == null ? 1 : runs);
        // bad input is refused before the host is claimed (the claim is the first thing done on it)
        io.kdumplab.harness.run.PlanCheck.verify(host, scenario, scenarioOptions.hangAfter());
        // the id the host's claim names: the run's own, or the series' when there are several
        String firstRun = RunId.next(host.name(), java.time.Instant.now());
        String claimed = runs == null && !untilFail ? firstRun : "series-" + firstRun;
        try (HostLeaseOptions.Held held = lease.take(host, io.kdumplab.harness.lease.LeaseKind.ON_DEMAND, "repro", claimed,
                Duration.ofSeconds(60), m -> {
                    if (!quiet) {
                        System.err.println("[hold] " + m);
                    }
                }).releasingOnShutdown(Duration.ofSeconds(60))) {
            if (kernelArtifacts != null) {
                var build = BuildList.buildOf(kernelArtifacts, kernel);
                try (Device dev = kernelHost(host, scenario)) {
                    new Provisioner(dev, held.fence(), this::kernelLog).install(build, KERNEL_INSTALL);
                } catch (BuildProblem e) {
                    throw new io.kdumplab.harness.failure.ConfigurationException("--kernel-artifacts " + kernelArtifacts
                            + ": " + e.getMessage(), "check the build (its install log is above)");
                }
            }
            return runSeries(host, scenario, planned, held, firstRun, claimed);
        }
    }

    private static final Duration KERNEL_INSTALL = Duration.ofMinutes(30);

    /** The host with its shell open for putting it on --kernel (it may still be booting: the reboot timeout). */
    private static Device kernelHost(TargetHost host, Scenario scenario) {
        Device dev = Devices.of(host);
        try {
            dev.openShell(io.kdumplab.harness.wait.Deadline.in(host.name() + " answers on SSH",
                    Duration.ofSeconds(scenario.timeouts().reboot())));
            return dev;
        } catch (RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    private void kernelLog(String m) {
        if (!quiet) {
            System.err.println("[kernel] " + m);
        }
    }

    private int runSeries(TargetHost host, Scenario scenario, int planned, HostLeaseOptions.Held held,
                          String firstRun, String seriesId) throws Exception {
        List<RunResult> results = new ArrayList<>();
        String stopped = null;
        for (int i = 1; i <= planned; i++) {
            if (kernel != null) {
                // every run: the dump's reboot brings the host back on its default kernel
                try (Device dev = kernelHost(host, scenario)) {
                    kernelLog(new Provisioner(dev, held.fence(), this::kernelLog)
                            .ensureRunning(kernel, Duration.ofSeconds(scenario.timeouts().reboot())));
                }
            }
            RunResult r;
            ReproRun run;
            try (Progress progress = new Progress(quiet)) {
                run = new ReproRun(host, scenario, new ReproRun.Options(!noConfigure, scenarioOptions.hangAfter(), progress)
                        .withAfterRun(RunReports::write).withFence(held.fence()), reports,
                        i == 1 ? firstRun : RunId.next(host.name(), java.time.Instant.now()));
                progress.attach(run);
                r = run.execute();
            }
            results.add(r);
            held.record("repro", host.name(), r.target == null ? null : r.target.kernel, scenario.name(), r.verdict.name(), r.reason,
                    run.dir().toString(), r.diagnosis == null ? null : r.diagnosis.shortText());
            if (json && planned == 1) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
            } else {
                System.out.println((planned > 1 ? "run " + i + "/" + planned + ": " : "") + r.verdict + ": " + r.reason);
                if (r.diagnosis != null) {
                    System.out.println("diagnosis: " + r.diagnosis.shortText());
                }
                System.out.println(r.fallbackDir == null ? "report: " + run.dir().resolve("index.html")
                        : "result: " + r.fallbackDir + "/result.json (fallback)");
            }
            if (r.reportsStorageFailure != null) {
                // the kernel's verdict stands in the result; the run as a whole could not be recorded where asked
                System.err.println("infrastructure error: orchestrator: " + r.reportsStorageFailure + "; the run's verdict was "
                        + r.verdict + " (" + r.reason + "); result.json and console.log were written to " + r.fallbackDir);
                return ExitCodes.INFRA;
            }
            Verdict v = r.verdict;
            if (untilFail && v == Verdict.FAIL) {
                stopped = "--until-fail: FAIL at run " + i;
                break;
            }
            if (v == Verdict.INCOMPLETE || v == Verdict.CONFIG_ERROR || v == Verdict.HARNESS_ERROR) {
                stopped = v + " at run " + i + ": " + r.reason;
                break;
            }
        }
        if (runs == null && !untilFail) {
            return results.get(0).verdict.exitCode();
        }
        Series s = Series.of(seriesId, planned, results, stopped);
        s.write(reports);
        System.out.println("series " + seriesId + ": " + s.line());
        System.out.println("summary: " + reports.resolve("series").resolve(seriesId + ".json"));
        Verdict last = results.get(results.size() - 1).verdict;
        if (last == Verdict.INCOMPLETE || last == Verdict.CONFIG_ERROR || last == Verdict.HARNESS_ERROR) {
            return last.exitCode();
        }
        return s.exitCode();
    }

    Scenario buildScenario() {
        return scenarioOptions.build();
    }
}
