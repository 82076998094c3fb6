package io.kdumplab.harness.run;

import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.verdict.Diagnosis;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import org.testng.annotations.Test;

import java.time.Duration;
import java.time.Instant;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/**
 * A capture kernel that runs out of memory (crashkernel=96M, set as an admin would with a GRUB drop-in; the harness
 * only checks, --no-configure): the run stops waiting as soon as the capture kernel's panic is followed by silence,
 * power-cycles, and says why. Runs just before KdumpConfigureIT, which removes every crashkernel drop-in anyway
 * (one reboot saved).
 */
@Test(groups = "lab", singleThreaded = true)
public class DiagnosisIT {
    // after kdump-tools.cfg in the shell glob order (grub.d files are sourced sorted): the last crashkernel= wins
    static final String DROP_IN = "/etc/default/grub.d/zz-diagnosis-it.cfg";

    @Test
    public void captureKernelOutOfMemoryIsDiagnosedWithTheReservationWithinAMinute() {
        LabFixture.up();
        String boot;
        try (SshShell t = LabFixture.ssh()) {
            // the last crashkernel= on the command line wins
            t.check("echo 'GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=96M\"' > " + DROP_IN
                    + " && update-grub >/dev/null 2>&1", Duration.ofSeconds(120));
            boot = t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10));
            t.runExpectingDisconnect("systemctl reboot");
        }
        Wait.until(Deadline.in("guest back with crashkernel=96M and a capture kernel loaded", Duration.ofSeconds(300)),
                Duration.ofSeconds(3), () -> {
                    try (SshShell t = LabFixture.ssh()) {
                        if (t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)).equals(boot)) {
                            return Wait.Result.notYet("same boot");
                        }
                        return t.check("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(10)).equals("1")
                                ? Wait.Result.ready(true) : Wait.Result.notYet("capture kernel not loaded yet");
                    }
                });
        RunResult r = ReproIT.run(ReproIT.host("tcp"), Scenario.seed(), false).execute();
        assertEquals(r.verdict, Verdict.FAIL.name(), r.reason);
        assertTrue(r.reason.contains("the capture kernel ran out of memory"), r.reason);
        assertTrue(r.reason.contains("96 MiB"), r.reason);
        assertEquals(r.target.crashKernelReservedBytes, Long.valueOf(96L << 20), "the reservation in effect, not the first crashkernel=");
        assertTrue(r.target.cmdline.contains("crashkernel=1G-4G:192M") && r.target.cmdline.contains("crashkernel=96M"),
                r.target.cmdline);
        assertNotNull(r.diagnosis);
        assertEquals(r.diagnosis.stoppedAt(), Diagnosis.Stop.IN_CAPTURE_KERNEL);
        assertTrue(r.diagnosis.remedy().contains("too small"), r.diagnosis.remedy());
        assertNotNull(r.terminalConsoleLineAt, "the capture kernel's panic ended the wait");
        Instant panic = Instant.parse(r.terminalConsoleLineAt);
        Instant cycled = r.phases.stream().filter(p -> p.phase.equals("POWER_CYCLE")).map(p -> Instant.parse(p.at)).findFirst()
                .orElseThrow();
        StepRecord evidence = r.steps.stream().filter(s -> s.name.equals("evidence")).findFirst().orElseThrow();
        Instant verdictAt = Instant.parse(evidence.startedAt).plusMillis(evidence.durationMillis);
        long toCycle = Duration.between(panic, cycled).toSeconds();
        long toVerdict = Duration.between(panic, verdictAt).toSeconds();
        System.err.printf("capture kernel panic -> power cycle %d s, -> verdict %d s%n", toCycle, toVerdict);
        assertTrue(toCycle <= 20, "power cycle within seconds of the capture kernel's panic: " + toCycle + " s");
        assertTrue(toVerdict <= 60, "verdict within 60 s of the capture kernel's panic: " + toVerdict + " s");
    }
}
