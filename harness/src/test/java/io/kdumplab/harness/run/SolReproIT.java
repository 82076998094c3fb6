package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.target.ConsoleEndpoint;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.lab.LabState;
import io.kdumplab.harness.support.ConsoleTap;
import io.kdumplab.harness.support.Ipmitool;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.verdict.Verdict;
import org.testng.annotations.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/** The repro job with its console over IPMI SOL, the BMC dropping the session mid-run, and a 2-NMI burst. */
@Test(groups = "lab", singleThreaded = true)
public class SolReproIT {
    @Test
    public void solConsoleCutMidRunIsMarkedAndTheNmiBurstIsRecorded() throws Exception {
        // first class of the suite: the BMC is fresh (ipmi_sim's SOL does not always resume after earlier sessions,
        // README, known limitations), and no extra cold boot is paid for it
        LabState lab = LabFixture.up();
        TargetHost host = ReproIT.host("sol");
        assertEquals(host.console().type(), ConsoleEndpoint.Type.SOL);
        AtomicReference<ReproRun> current = new AtomicReference<>();
        AtomicBoolean cut = new AtomicBoolean();
        CountDownLatch reconnected = new CountDownLatch(1);
        AtomicBoolean reconnectedInTime = new AtomicBoolean();
        ReproRun run = new ReproRun(host, Scenario.seed().withNmi(2, 5), new ReproRun.Options(true, Duration.ofSeconds(60), m -> {
            System.err.println("[repro] " + m);
            if (m.startsWith("console: reconnected")) {
                reconnected.countDown();
            }
            if (m.startsWith("spammer on") && cut.compareAndSet(false, true)) {
                // the BMC drops our SOL session, as BMCs do; the harness must notice, reconnect and mark the gap.
                // The run waits here (on its step thread) for the reconnect, so that the panic path comes after it.
                Ipmitool.run(lab, "sol", "deactivate");
                try {
                    reconnectedInTime.set(reconnected.await(20, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }), ReproIT.REPORTS);
        current.set(run);
        RunResult r;
        // the serial line itself, read alongside through the lab's console server: what a TCP console run would see
        try (ConsoleTap tcp = new ConsoleTap(lab)) {
            r = run.execute();
            tcp.assertKeptUp(r, r.nmiSentAt.get(0), "SOL");
        }
        assertTrue(cut.get(), "the console was cut");
        assertTrue(reconnectedInTime.get(), "the harness noticed the dropped SOL payload and reconnected within 20 s");
        assertEquals(r.verdict, Verdict.PASS, r.reason);
        assertEquals(r.nmiSentAt.size(), 2, "both NMI send times recorded");
        long spacing = Duration.between(r.nmiSentAt.get(0), r.nmiSentAt.get(1)).toMillis();
        assertTrue(spacing >= 5 && spacing < 1000, "spacing " + spacing + " ms");
        assertFalse(r.console.gaps.isEmpty(), "gap recorded in result.json");
        String console = ReproIT.read(run.dir().resolve("console.log"));
        assertTrue(console.contains(io.kdumplab.harness.device.ConsoleGap.MARK), "gap marked in console.log");
        // a console gap is not a hang: the box was never power-cycled, and its dump was read
        assertTrue(r.phases.stream().noneMatch(p -> p.phase() == Phase.POWER_CYCLE), "no power cycle after the gap: " + r.phases
                .stream().map(PhaseRecord::phase).toList());
        assertTrue(r.evidence != null && Boolean.TRUE.equals(r.evidence.readable), "the vmcore was read back");
        // the BMC's event log from the trigger on: one diagnostic interrupt per NMI, in result.json and the report
        assertEquals(r.bmcEvents.size(), 2, "one SEL entry per NMI: " + r.bmcEvents);
        assertTrue(r.bmcEvents.stream().allMatch(e -> e.sensor().startsWith("CriticalInterrupt")
                && e.event().toLowerCase().contains("interrupt")), r.bmcEvents.toString());
        assertTrue(io.kdumplab.harness.report.HtmlReport.render(io.kdumplab.harness.report.RunArtifacts.read(run.dir()))
                .contains("BMC event log from the trigger on"), "the report shows the BMC's entries");
        // after the BMC's cut, SOL carries the whole panic path: capture kernel, dump, reboot
        for (Phase phase : new Phase[] {Phase.CAPTURE_KERNEL, Phase.DUMP_SAVED, Phase.REBOOT}) {
            assertTrue(r.phases.stream().anyMatch(p -> p.phase() == phase), phase + " seen over SOL: " + r.phases.stream()
                    .map(PhaseRecord::phase).toList());
        }
        assertTrue(console.contains("elfcorehdr="), "the capture kernel's banner over SOL");
        assertFalse(console.contains("Checking for memory holes                         : [  0.0 %] /                  Checking for["),
                "no retransmitted SOL packet appended twice");
        System.err.printf("SOL run: trigger -> SSH back %.0f s, whole run %.0f s, %d console lines%n", r.panicToSshBackSeconds,
                r.durationSeconds, r.console.lines);
    }

}
