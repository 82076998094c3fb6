package io.kdumplab.harness.run;

import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.util.Secret;
import io.kdumplab.harness.verdict.Verdict;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * The repro job against the real virtual lab: real BMC, real console, real
 * kdump, real kernel modules built on the guest. (The seed scenario's PASS with
 * its evidence and no password anywhere is HostHoldIT's first run, a real
 * `repro` process; the sysrq-c control its second.)
 */
@Test(groups = "lab", singleThreaded = true)
public class ReproIT {
    static final Path REPORTS = Path.of("target", "it-reports");

    public static TargetHost host(String consoleType) {
        LabFixture.up();
        return Inventory.virtualLab(LabFixture.NAME, consoleType).resolve("virtual-lab", LabFixture.lab().running());
    }

    public static ReproRun run(TargetHost host, Scenario s, boolean configure) {
        return run(host, s, configure, Duration.ofSeconds(60));
    }

    /** With a shorter hang threshold (repro --hang-after) where the test needs a hang, not a long wait for one. */
    public static ReproRun run(TargetHost host, Scenario s, boolean configure, Duration hangAfter) {
        return new ReproRun(host, s, new ReproRun.Options(configure, hangAfter, m -> System.err.println("[repro] " + m)), REPORTS);
    }

    static String read(Path p) throws Exception {
        return new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test(priority = 3)
    public void wrongBmcPasswordIsAnInfrastructureErrorAndLeavesTheHostAlone() throws Exception {
        TargetHost good = host("tcp");
        Path wrong = Files.createTempFile("wrong-bmc", "");
        Files.writeString(wrong, "not-the-password\n");
        Files.setPosixFilePermissions(wrong, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        TargetHost bad = new TargetHost(good.name(), good.ssh(),
                new BmcEndpoint(good.bmc().host(), good.bmc().port(), good.bmc().user(), Secret.fromFile(wrong)),
                good.console(), good.distro(), good.crashkernel(), good.dumpDir(), good.virtualLab(), good.kernel(), good.watch());
        String bootBefore;
        String sysctlBefore;
        try (SshShell t = LabFixture.ssh()) {
            bootBefore = t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10));
            sysctlBefore = t.check("sysctl -n kernel.panic_on_unrecovered_nmi", Duration.ofSeconds(10));
        }
        RunResult r = run(bad, Scenario.seed(), true).execute();
        assertEquals(r.verdict, Verdict.INFRA_ERROR, r.reason);
        assertEquals(r.failedStep, "preflight");
        assertTrue(r.reason.startsWith("bmc:"), r.reason);
        assertTrue(r.reason.contains("BMC admin@127.0.0.1:" + good.bmc().port()), r.reason);
        assertTrue(r.steps.stream().noneMatch(s -> s.name.equals("sysctls") || s.name.equals("spammer")));
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)), bootBefore);
            assertEquals(t.check("sysctl -n kernel.panic_on_unrecovered_nmi", Duration.ofSeconds(10)), sysctlBefore);
            assertEquals(t.check("lsmod | grep -c '^printk_spammer ' || true", Duration.ofSeconds(10)), "0");
        }
    }

    @Test(priority = 3)
    public void sigtermLeavesAPartialResultAndTheConsoleLogAndUnloadsTheSpammer() throws Exception {
        LabFixture.up();
        Path reports = Files.createTempDirectory(Files.createDirectories(REPORTS), "interrupted-");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = io.kdumplab.harness.support.ChildProcesses.track(new ProcessBuilder(javaBin, "-cp",
                System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main",
                "repro", "--lab", LabFixture.NAME, "--reports", reports.toString(), "--quiet")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        // wait until the flood is on, then press Ctrl-C
        Path runDir = io.kdumplab.harness.wait.Wait.until(io.kdumplab.harness.wait.Deadline.in("spammer running in the child run",
                Duration.ofSeconds(300)), Duration.ofSeconds(1), () -> {
                    try (var dirs = Files.list(reports)) {
                        for (Path d : (Iterable<Path>) dirs::iterator) {
                            Path rj = d.resolve("result.json");
                            if (Files.exists(rj) && Files.readString(rj).contains("\"SPAMMER_ON\"")) {
                                return io.kdumplab.harness.wait.Wait.Result.ready(d);
                            }
                        }
                    }
                    return io.kdumplab.harness.wait.Wait.Result.notYet("no spammer yet");
                });
        // SIGTERM, not SIGINT: a test JVM started from nohup or a background job inherits SIGINT ignored, and
        // SIGTERM is what CI engines send on cancel; both reach the same shutdown path
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the run ends after SIGTERM");
        assertEquals(p.exitValue(), 143, "128 + SIGTERM");
        RunResult r = RunResult.read(runDir.resolve("result.json"));
        assertEquals(r.status, "interrupted");
        assertEquals(r.verdict, Verdict.INCOMPLETE);
        assertTrue(Files.size(runDir.resolve("console.log")) > 1000, "console log kept");
        assertTrue(read(runDir.resolve("console.log")).contains("printk_spammer: t="));
        assertTrue(Files.exists(runDir.resolve("index.html")), "report rendered on the way out");
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("lsmod | grep -c '^printk_spammer ' || true", Duration.ofSeconds(10)), "0", "spammer unloaded");
        }
    }
}
