package io.kdumplab.harness.run;

import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * The seed experiment as partner labs run it, through the command line: a kernel the host does not have is an input
 * error naming the ones it has, and a series of runs gives a repro rate, an infrastructure error in the middle
 * excluded from it. (`repro --kernel` on the PREEMPT_RT kernel, the default boot entry left alone, is DiagnosisIT's
 * run, whose one-time boot into it is also the reboot that applies its crashkernel=; the seed's PASS on that kernel is
 * asserted on the nightly's RT cells in NightlyLabIT. Both pay those boots and crash cycles anyway.)
 */
@Test(groups = "lab", singleThreaded = true)
public class KernelAndSeriesIT {
    /** The lab image's PREEMPT_RT kernel. */
    static String rt() {
        return LabFixture.kernels().rt();
    }
    private volatile long stoppedBmc = -1;

    static Process harness(Path log, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main"));
        cmd.addAll(List.of(args));
        return ChildProcesses.track(new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
    }

    @Test(priority = 0)
    public void anUnknownKernelIsAnInputErrorNamingTheHostsKernels() throws Exception {
        LabFixture.up();
        Path log = Files.createTempFile("kernel", ".log");
        Process p = harness(log, "repro", "--lab", LabFixture.NAME, "--kernel", "9.9.9-nope", "--quiet",
                "--reports", Files.createTempDirectory("reports").toString());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 2, out);
        assertTrue(out.contains("kernel 9.9.9-nope is not installed on virtual-lab"), out);
        assertTrue(out.contains(LabFixture.kernels().defaultKernel()) && out.contains(rt()), "names the kernels the host has: " + out);
    }

    @Test(priority = 2)
    public void threeRunsGiveARateWithAnIntervalAndAnInfrastructureErrorIsExcluded() throws Exception {
        LabState lab = LabFixture.up();
        Path reports = Files.createTempDirectory(Files.createDirectories(ReproIT.REPORTS), "series-");
        // a cheap real FAIL: the NMI does not panic (sysctls off), no reboot to pay for
        Path scenario = reports.resolve("no-panic.yaml");
        Files.writeString(scenario, "name: no-panic\nspammer: {enabled: false}\nsysctls: {kernel.unknown_nmi_panic: \"0\", "
                + "kernel.panic_on_unrecovered_nmi: \"0\", kernel.panic_on_io_nmi: \"0\"}\n");
        Path log = Files.createTempFile("series", ".log");
        Process p = harness(log, "repro", "--lab", LabFixture.NAME, "--runs", "3", "--scenario", scenario.toString(),
                "--hang-after", "10", "--reports", reports.toString(), "--quiet");
        // the BMC stops answering during the second run: an infrastructure error, not a verdict
        Wait.until(Deadline.in("first run done", Duration.ofMinutes(5)), Duration.ofMillis(500),
                () -> Files.readString(log).contains("run 1/3:") ? Wait.Result.ready(true) : Wait.Result.notYet("running"));
        stoppedBmc = lab.bmcPid();
        new ProcessBuilder("kill", "-STOP", Long.toString(stoppedBmc)).start().waitFor();
        Wait.until(Deadline.in("second run done", Duration.ofMinutes(5)), Duration.ofMillis(500),
                () -> Files.readString(log).contains("run 2/3:") ? Wait.Result.ready(true) : Wait.Result.notYet("running"));
        new ProcessBuilder("kill", "-CONT", Long.toString(stoppedBmc)).start().waitFor();
        stoppedBmc = -1;
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the series ends");
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 1, "a FAIL in the series: " + out);
        long runDirs;
        try (var dirs = Files.list(reports)) {
            runDirs = dirs.filter(d -> Files.exists(d.resolve("result.json"))).count();
        }
        assertEquals(runDirs, 3L, "three run directories");
        Path summaryFile;
        try (var f = Files.list(reports.resolve("series"))) {
            summaryFile = f.filter(x -> x.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(summaryFile.toFile());
        assertEquals(json.at("/verdicts/FAIL").asInt(), 2, json.toString());
        assertEquals(json.at("/verdicts/INFRA_ERROR").asInt(), 1, json.toString());
        assertEquals(json.at("/judged").asInt(), 2);
        assertEquals(json.at("/reproRate").asDouble(), 1.0, 1e-9);
        assertTrue(json.at("/reproRateLow95").asDouble() > 0.3 && json.at("/reproRateHigh95").asDouble() == 1.0, json.toString());
        assertEquals(json.at("/notJudged").size(), 1);
        assertTrue(out.contains("repro rate 2/2 = 100% (95% CI 34%-100%)"), out);
        String xml = Files.readString(summaryFile.resolveSibling(summaryFile.getFileName().toString().replace(".json", ".xml")));
        assertEquals(xml.split("<testcase ", -1).length - 1, 3, "one testcase per run");
        assertTrue(Files.readString(reports.resolve("index.html")).contains("Series (repro --runs)"), "in the history page");
    }

    @AfterMethod(alwaysRun = true)
    public void neverLeaveTheBmcStopped() throws Exception {
        if (stoppedBmc > 0) {
            new ProcessBuilder("kill", "-CONT", Long.toString(stoppedBmc)).start().waitFor();
            stoppedBmc = -1;
        }
    }
}
