package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.verdict.Diagnosis;
import io.kdumplab.harness.verdict.Verdict;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/**
 * A capture kernel that runs out of memory (crashkernel=96M, set as an admin would with a GRUB drop-in; the harness
 * only checks, --no-configure): the run stops waiting as soon as the capture kernel's panic is followed by silence,
 * power-cycles, and says why. Through the command line as a partner lab runs it, on the PREEMPT_RT kernel
 * (`repro --kernel` with the image's PREEMPT_RT kernel): the one-time boot into it is also the reboot that applies the drop-in, so the
 * RT kernel's boot costs nothing extra; the host's default boot entry stays what it was. Runs just before
 * LeftOverLabIT, which removes every crashkernel drop-in anyway (one reboot saved).
 */
@Test(groups = "lab", singleThreaded = true)
public class DiagnosisIT {
    // after kdump-tools.cfg in the shell glob order (grub.d files are sourced sorted): the last crashkernel= wins
    public static final String DROP_IN = "/etc/default/grub.d/zz-diagnosis-it.cfg";

    @Test
    public void captureKernelOutOfMemoryOnTheRtKernelIsDiagnosedWithTheReservationWithinAMinute() throws Exception {
        LabFixture.up();
        String grubBefore;
        try (SshShell t = LabFixture.ssh()) {
            grubBefore = LabFixture.grubenv(t);
            // the last crashkernel= on the command line wins; the next boot (repro --kernel's) applies it
            t.check("echo 'GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=96M\"' > " + DROP_IN
                    + " && update-grub >/dev/null 2>&1", Duration.ofSeconds(120));
        }
        Path reports = Files.createTempDirectory(Files.createDirectories(ReproIT.REPORTS), "diagnosis-");
        Path log = Files.createTempFile("diagnosis", ".log");
        Process p = KernelAndSeriesIT.harness(log, "repro", "--lab", LabFixture.NAME, "--kernel", KernelAndSeriesIT.rt(),
                "--no-configure", "--reports", reports.toString());
        assertTrue(p.waitFor(15, TimeUnit.MINUTES), "the run ends");
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 1, "a FAIL: " + out);
        assertTrue(out.contains("booting " + KernelAndSeriesIT.rt() + " once"), out);
        Path runDir;
        try (var dirs = Files.list(reports)) {
            runDir = dirs.filter(d -> Files.exists(d.resolve("result.json"))).findFirst().orElseThrow();
        }
        RunResult r = RunResult.read(runDir.resolve("result.json"));
        assertEquals(r.target.kernel, KernelAndSeriesIT.rt(), "repro --kernel ran on the PREEMPT_RT kernel");
        assertEquals(r.verdict, Verdict.FAIL, r.reason);
        assertTrue(r.diagnosis.shortText().contains("the capture kernel ran out of memory"), r.diagnosis.shortText());
        assertTrue(r.diagnosis.shortText().contains("96 MiB"), r.diagnosis.shortText());
        assertEquals(r.target.crashKernelReservedBytes, Long.valueOf(96L << 20), "the reservation in effect, not the first crashkernel=");
        assertTrue(r.target.cmdline.contains("crashkernel=1G-4G:192M") && r.target.cmdline.contains("crashkernel=96M"),
                r.target.cmdline);
        assertNotNull(r.diagnosis);
        assertEquals(r.diagnosis.stoppedAt(), Diagnosis.Stop.IN_CAPTURE_KERNEL);
        assertTrue(r.diagnosis.remedy().contains("too small"), r.diagnosis.remedy());
        assertNotNull(r.terminalConsoleLineAt, "the capture kernel's panic ended the wait");
        Instant panic = r.terminalConsoleLineAt;
        Instant cycled = r.phases.stream().filter(x -> x.phase() == Phase.POWER_CYCLE).map(PhaseRecord::at).findFirst()
                .orElseThrow();
        StepRecord evidence = r.steps.stream().filter(s -> s.name.equals("evidence")).findFirst().orElseThrow();
        Instant verdictAt = Instant.parse(evidence.startedAt).plusMillis(evidence.durationMillis);
        long toCycle = Duration.between(panic, cycled).toSeconds();
        long toVerdict = Duration.between(panic, verdictAt).toSeconds();
        System.err.printf("capture kernel panic -> power cycle %d s, -> verdict %d s%n", toCycle, toVerdict);
        assertTrue(toCycle <= 20, "power cycle within seconds of the capture kernel's panic: " + toCycle + " s");
        assertTrue(toVerdict <= 60, "verdict within 60 s of the capture kernel's panic: " + toVerdict + " s");
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(LabFixture.grubenv(t), grubBefore, "the host's default boot entry is what it was");
            assertEquals(t.check("uname -r", Duration.ofSeconds(10)), LabFixture.kernels().defaultKernel(),
                    "the one-time boot is spent: the power cycle brought the default kernel back");
        }
    }
}
