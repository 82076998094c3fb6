package io.kdumplab.harness.run;

import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.util.Processes;
import io.kdumplab.harness.verdict.Verdict;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.Test;

import java.time.Duration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * A host that freezes in the middle of a step (QEMU SIGSTOPped: the guest's vCPUs, its sshd and its TCP stack all
 * stop, as a hung server's would): the step ends within its timeout plus a few seconds as INFRA_ERROR naming the step
 * and the host, and once the guest runs again the run's restore leaves it usable.
 */
@Test(groups = "lab", singleThreaded = true)
public class UnattendedIT {
    private volatile long frozenPid = -1;

    @Test
    public void aHostFrozenMidStepEndsThatStepWithinItsTimeoutAsInfraError() throws Exception {
        TargetHost host = ReproIT.host("tcp");
        long qemu = Processes.readPid(LabFixture.lab().dir(LabFixture.NAME).resolve("qemu.pid")).orElseThrow();
        String before;
        try (SshShell t = LabFixture.ssh()) {
            before = t.check("sysctl -n kernel.panic_on_unrecovered_nmi", Duration.ofSeconds(10));
        }
        // the spammer step: 20 s to build or load, 10 s to see it on the console -> a 30 s step
        Scenario s = Scenario.seed().withTimeouts(new Scenario.Timeouts(60, 240, 300, 20, 10, 120, 300, 300, 180));
        ReproRun run = new ReproRun(host, s, new ReproRun.Options(true, Duration.ofSeconds(60), m -> {
            System.err.println("[repro] " + m);
            try {
                if (m.startsWith("step spammer: started")) {
                    frozenPid = qemu;
                    new ProcessBuilder("kill", "-STOP", Long.toString(qemu)).start().waitFor();
                } else if (m.startsWith("step spammer: ") && frozenPid > 0) {
                    new ProcessBuilder("kill", "-CONT", Long.toString(qemu)).start().waitFor();
                    frozenPid = -1;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), ReproIT.REPORTS);
        RunResult r = run.execute();
        assertEquals(r.verdict, Verdict.INFRA_ERROR, r.reason);
        assertEquals(r.failedStep, "spammer", r.reason);
        assertTrue(r.reason.contains("step spammer") && r.reason.contains("virtual-lab"), "names the step and the host: " + r.reason);
        StepRecord spammer = r.steps.stream().filter(x -> x.name.equals("spammer")).findFirst().orElseThrow();
        assertTrue(spammer.durationMillis <= (30 + 8) * 1000L, "ended within its 30 s timeout + a few seconds: "
                + spammer.durationMillis + " ms (" + spammer.status + ": " + spammer.detail + ")");
        assertTrue(r.nmiSentAt.isEmpty(), "no NMI after an infrastructure error");
        // resumed: usable, and the run's restore put the sysctls back
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("echo alive", Duration.ofSeconds(10)), "alive");
            assertEquals(t.check("sysctl -n kernel.panic_on_unrecovered_nmi", Duration.ofSeconds(10)), before);
            assertEquals(t.check("lsmod | grep -c '^printk_spammer ' || true", Duration.ofSeconds(10)), "0");
        }
        assertEquals(Boolean.TRUE, r.hostBackInService, "restore after the freeze");
    }

    @AfterMethod(alwaysRun = true)
    public void neverLeaveTheGuestFrozen() throws Exception {
        if (frozenPid > 0) {
            new ProcessBuilder("kill", "-CONT", Long.toString(frozenPid)).start().waitFor();
        }
    }
}
