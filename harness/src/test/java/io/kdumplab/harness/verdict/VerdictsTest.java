package io.kdumplab.harness.verdict;

import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.failure.KdumpNotReadyException;
import io.kdumplab.harness.failure.RemoteCommandException;
import org.testng.annotations.Test;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

/** The README's verdict table, row by row, from the one verdict function. */
@Test(groups = "unit")
public class VerdictsTest {
    static final Verdicts.Dump READABLE = new Verdicts.Dump("/var/crash/1/dump.1", true);
    static final Verdicts.Dump UNREADABLE = new Verdicts.Dump("/var/crash/1/dump.1", false);

    @Test
    public void aReadableVmcoreIsAPassWhateverTheConsoleShowed() {
        for (Outcome o : Outcome.values()) {
            Judgement j = Verdicts.judge(o, READABLE, Phase.PANIC, "nmi");
            assertEquals(j.verdict(), Verdict.PASS, o.name());
            assertEquals(j.reason(), "vmcore saved and readable: /var/crash/1/dump.1");
            assertNull(j.failedStep());
        }
    }

    @Test
    public void everyFailReasonOfTheTable() {
        assertEquals(Verdicts.judge(Outcome.HANG_RECOVERED, null, Phase.NMI_SENT, "nmi").reason(),
                "hang: the capture kernel did not start (last phase reached: NMI_SENT); recovered by a BMC power cycle; no vmcore");
        assertEquals(Verdicts.judge(Outcome.RESET_WITHOUT_CAPTURE, null, null, "nmi").reason(),
                "reset without vmcore: the host rebooted without starting the capture kernel");
        assertTrue(Verdicts.judge(Outcome.REBOOTED_UNSEEN, null, null, "nmi").reason().startsWith("reset without vmcore"));
        assertEquals(Verdicts.judge(Outcome.NO_PANIC, null, null, "nmi").reason(),
                "no panic: the host kept running after the nmi (are the NMI sysctls in effect?)");
        assertEquals(Verdicts.judge(Outcome.CAPTURE_STARTED, null, Phase.CAPTURE_KERNEL, "nmi").reason(),
                "the capture kernel started but no vmcore was saved");
        assertEquals(Verdicts.judge(Outcome.CAPTURE_STARTED, UNREADABLE, Phase.DUMP_SAVED, "nmi").reason(),
                "the capture kernel started but the saved dump is unreadable: /var/crash/1/dump.1");
        for (Outcome o : Outcome.values()) {
            assertEquals(Verdicts.judge(o, UNREADABLE, null, "nmi").verdict(), Verdict.FAIL, o.name());
            assertEquals(Verdicts.judge(o, null, null, "sysrq-c").verdict(), Verdict.FAIL, o.name());
        }
    }

    @Test
    public void failuresAreClassedNeverAsFail() {
        assertEquals(Verdicts.ofFailure(new InfrastructureException("bmc", "no answer", ""), "trigger").verdict(), Verdict.INFRA_ERROR);
        assertEquals(Verdicts.ofFailure(new KdumpNotReadyException("no crashkernel", ""), "kdump-readiness").verdict(),
                Verdict.KDUMP_NOT_READY);
        assertEquals(Verdicts.ofFailure(new RemoteCommandException("h", "x", 1, ""), "sysctls").verdict(), Verdict.INFRA_ERROR);
        Judgement config = Verdicts.ofFailure(new ConfigurationException("environment variable X is not set", "export X"), "preflight");
        assertEquals(config.verdict(), Verdict.CONFIG_ERROR);
        assertEquals(config.verdict().exitCode(), 2);
        assertEquals(Verdicts.ofFailure(new CancelledException("interrupted"), "spammer").verdict(), Verdict.INCOMPLETE);
        Judgement bug = Verdicts.ofFailure(new IllegalStateException("SshShell.run() called while the driver is CLOSED"), "evidence");
        assertEquals(bug.verdict(), Verdict.HARNESS_ERROR);
        assertEquals(bug.verdict().exitCode(), 128);
        assertEquals(bug.failedStep(), "evidence");
    }

    @Test
    public void aTrialCountsOnlyWhenItJudgedTheBuildsOwnKernel() {
        assertEquals(Verdicts.forTrial(Verdict.FAIL, "hang", "6.1.0-55-amd64", "6.1.0-55-amd64").use(), Verdicts.TrialUse.JUDGED);
        Verdicts.Trial other = Verdicts.forTrial(Verdict.PASS, "ok", "6.1.0-56-amd64", "6.1.0-55-amd64");
        assertEquals(other.use(), Verdicts.TrialUse.RETRY);
        assertEquals(other.verdict(), Verdict.INFRA_ERROR);
        assertTrue(other.reason().contains("not 6.1.0-55-amd64"));
        assertEquals(Verdicts.forTrial(Verdict.INFRA_ERROR, "ssh", null, "k").use(), Verdicts.TrialUse.RETRY);
        assertEquals(Verdicts.forTrial(Verdict.KDUMP_NOT_READY, "x", "k", "k").use(), Verdicts.TrialUse.RETRY);
        for (Verdict v : new Verdict[] {Verdict.CONFIG_ERROR, Verdict.HARNESS_ERROR, Verdict.INCOMPLETE}) {
            assertEquals(Verdicts.forTrial(v, "x", "k", "k").use(), Verdicts.TrialUse.ABORT, v.name());
        }
        assertEquals(Verdicts.forTrial(Verdict.PASS, "ok", "any", null).use(), Verdicts.TrialUse.JUDGED, "git-run knows no build kernel");
    }

    @Test
    public void aDumpLeftIncompleteIsAFailSayingSo() {
        Judgement j = Verdicts.judge(Outcome.CAPTURE_STARTED, new Verdicts.Dump("kdump@d:22:/crash/h-1/dump-incomplete", false,
                true), Phase.DUMP_SAVING, "nmi");
        assertEquals(j.verdict(), Verdict.FAIL);
        assertTrue(j.reason().contains("did not finish") && j.reason().contains("dump-incomplete"), j.reason());
    }
}
