package io.kdumplab.harness.run;

import io.kdumplab.harness.lab.LabSpec;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.Wait;
import org.testng.annotations.AfterClass;
import org.testng.annotations.Test;

import java.time.Duration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * crashkernel= removed from the guest: --no-configure stops with KDUMP_NOT_READY and touches nothing; otherwise the
 * harness restores it (drop-in, reboot, capture kernel loaded) and the run goes on.
 */
@Test(groups = "lab", singleThreaded = true)
public class KdumpConfigureIT {

    @Test
    public void missingCrashkernelIsReportedThenRestored() {
        LabFixture.up();
        // as an admin might have done: drop kdump's grub snippet and reboot
        String boot;
        try (SshShell t = LabFixture.ssh()) {
            t.check("rm -f /etc/default/grub.d/kdump-tools.cfg /etc/default/grub.d/99-kdump-harness.cfg " + DiagnosisIT.DROP_IN
                    + " && update-grub >/dev/null 2>&1",
                    Duration.ofSeconds(120));
            boot = t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10));
            t.runExpectingDisconnect("systemctl reboot");
        }
        long rebootStart = System.nanoTime();
        Wait.until(Deadline.in("guest back without crashkernel", Duration.ofSeconds(240)), Duration.ofSeconds(3), () -> {
            try (SshShell t = LabFixture.probe()) {
                return t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)).equals(boot)
                        ? Wait.Result.notYet("same boot") : Wait.Result.ready(true);
            }
        });
        System.err.printf("KdumpConfigureIT: guest back without crashkernel %d s after the reboot%n",
                (System.nanoTime() - rebootStart) / 1_000_000_000L);
        String grubBefore;
        String bootBefore;
        try (SshShell t = LabFixture.ssh()) {
            assertFalse(t.check("cat /proc/cmdline", Duration.ofSeconds(10)).contains("crashkernel="));
            grubBefore = t.check("md5sum /boot/grub/grub.cfg; ls /etc/default/grub.d", Duration.ofSeconds(10));
            bootBefore = t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10));
        }

        RunResult checkOnly = ReproIT.run(ReproIT.host("tcp"), Scenario.seed(), false).execute();
        assertEquals(checkOnly.verdict, Verdict.KDUMP_NOT_READY.name(), checkOnly.reason);
        assertEquals(checkOnly.failedStep, "kdump-readiness");
        assertTrue(checkOnly.reason.contains("crashkernel= is not on the kernel command line"), checkOnly.reason);
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("md5sum /boot/grub/grub.cfg; ls /etc/default/grub.d", Duration.ofSeconds(10)), grubBefore,
                    "--no-configure changed nothing");
            assertEquals(t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)), bootBefore, "no reboot");
        }

        // the configured host is judged on a cheap real run (the NMI does not panic: no crash cycle to pay): what this
        // test proves is the configuration (drop-in, reboot, capture kernel loaded); that a host with this reservation
        // saves a vmcore is what every PASS of the suite shows (the image's kdump-tools.cfg asks for the same)
        RunResult fixed = ReproIT.run(ReproIT.host("tcp"), noPanic(), true, Duration.ofSeconds(10)).execute();
        assertEquals(fixed.verdict, Verdict.FAIL.name(), fixed.reason);
        assertTrue(fixed.reason.startsWith("no panic"), fixed.reason);
        assertTrue(fixed.steps.stream().anyMatch(s -> s.name.equals("kdump-readiness") && s.status.equals("ok")), "kdump ready after configure");
        assertTrue(fixed.target.cmdline.contains("crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M"), fixed.target.cmdline);
        try (SshShell t = LabFixture.ssh()) {
            assertTrue(t.check("cat /etc/default/grub.d/99-kdump-harness.cfg", Duration.ofSeconds(10)).contains("crashkernel="));
            assertEquals(t.check("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(10)), "1", "the capture kernel is loaded");
            assertFalse(t.check("cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(10)).equals(bootBefore),
                    "configure rebooted the host onto the new command line");
        }
    }

    private static Scenario noPanic() {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("no-panic", ".yaml");
            java.nio.file.Files.writeString(f, "name: no-panic\nspammer: {enabled: false}\nsysctls: {kernel.unknown_nmi_panic: \"0\", "
                    + "kernel.panic_on_unrecovered_nmi: \"0\", kernel.panic_on_io_nmi: \"0\"}\n");
            return ScenarioLoader.load(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterClass(alwaysRun = true)
    public void backToTheBaseImage() {
        LabFixture.down();
        LabFixture.lab().reset(LabSpec.defaults(LabFixture.NAME));
    }
}
