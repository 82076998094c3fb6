package io.kdumplab.harness.run;

import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.failure.KdumpNotReadyException;
import io.kdumplab.harness.failure.RemoteCommandException;
import io.kdumplab.harness.support.FakeDevice;
import io.kdumplab.harness.wait.Clock;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.WaitTimeoutException;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** The step runner alone: timeouts are enforced, cancellation stops, every failure is classed. */
@Test(groups = "unit")
public class StepRunnerTest {
    record Env(StepRunner runner, RunResult result, CancelToken cancel, AtomicBoolean cut) {}

    static Env env() throws Exception {
        Path dir = Files.createTempDirectory("steps");
        RunResult result = new RunResult();
        CancelToken cancel = new CancelToken();
        RunRecorder rec = new RunRecorder(result, dir.resolve("result.json"), cancel);
        RunContext ctx = new RunContext(ReproRunTest.host(), Scenario.seed(), ReproRun.Options.defaults(m -> { }), dir,
                new FakeDevice().device("fake-host"), rec, new RunLog(dir.resolve("harness.log"), m -> { }), Clock.SYSTEM, cancel,
                new UndoLog());
        AtomicBoolean cut = new AtomicBoolean();
        return new Env(new StepRunner(ctx, () -> cut.set(true)), result, cancel, cut);
    }

    interface Body {
        Object run(Deadline d) throws Exception;
    }

    static Step<Object> step(String name, Duration timeout, Step.RemoteFailure remote, Body body) {
        return new Step<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Duration timeout(RunContext ctx) {
                return timeout;
            }

            @Override
            public String component() {
                return "ssh";
            }

            @Override
            public RemoteFailure remoteCommandFailure() {
                return remote;
            }

            @Override
            public Object run(RunContext ctx, Deadline d) throws Exception {
                return body.run(d);
            }
        };
    }

    @Test
    public void aStepThatHangsEndsAtItsTimeoutAsAnInfrastructureErrorAndTheLinksAreCut() throws Exception {
        Env e = env();
        long t0 = System.nanoTime();
        java.util.concurrent.atomic.AtomicBoolean testOver = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CountDownLatch bodyEnded = new java.util.concurrent.CountDownLatch(1);
        InfrastructureException x;
        try {
            x = expectThrows(InfrastructureException.class, () -> e.runner().run(
                    step("frozen", Duration.ofMillis(300), Step.RemoteFailure.INFRASTRUCTURE, d -> {
                        // ignores interrupts, as a read on a dead socket would; ends only when the test is over
                        try {
                            while (!testOver.get()) {
                                try {
                                    Thread.sleep(50);
                                } catch (InterruptedException ignored) {
                                    // a frozen read does not notice
                                }
                            }
                            return null;
                        } finally {
                            bodyEnded.countDown();
                        }
                    })));
        } finally {
            testOver.set(true);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 300 + 5_000 + 1_000, "ended within timeout + grace: " + ms + " ms");
        assertTrue(bodyEnded.await(5, java.util.concurrent.TimeUnit.SECONDS), "no thread left behind");
        assertEquals(x.component(), "ssh");
        assertTrue(x.getMessage().contains("step frozen timed out after 0 s on fake-host"), x.getMessage());
        assertTrue(e.cut().get(), "the device's links were cut");
        StepRecord rec = e.result().steps.get(0);
        assertEquals(rec.status, "timeout");
        assertTrue(rec.durationMillis >= 300);
    }

    @Test
    public void noStepStartsAfterACancellation() throws Exception {
        Env e = env();
        e.cancel().cancel("interrupted (test)");
        AtomicBoolean ran = new AtomicBoolean();
        expectThrows(CancelledException.class, () -> e.runner().run(step("trigger", Duration.ofSeconds(5),
                Step.RemoteFailure.INFRASTRUCTURE, d -> ran.getAndSet(true))));
        assertTrue(!ran.get(), "the step body never ran");
        assertTrue(e.result().steps.isEmpty());
    }

    @Test
    public void aCancellationDuringAStepStopsIt() throws Exception {
        Env e = env();
        new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException ignored) {
                return;
            }
            e.cancel().cancel("interrupted (test)");
            e.runner().interruptCurrent();
        }).start();
        CancelledException x = expectThrows(CancelledException.class, () -> e.runner().run(step("outcome", Duration.ofSeconds(30),
                Step.RemoteFailure.INFRASTRUCTURE, d -> {
                    Thread.sleep(30_000);
                    return null;
                })));
        assertTrue(x.getMessage().contains("during step outcome"), x.getMessage());
        assertEquals(e.result().steps.get(0).status, "cancelled");
    }

    @Test
    public void cleanupRunsEvenAfterACancellation() throws Exception {
        Env e = env();
        e.cancel().cancel("interrupted (test)");
        assertEquals(e.runner().runCleanup(step("restore", Duration.ofSeconds(5), Step.RemoteFailure.INFRASTRUCTURE, d -> "done"),
                Duration.ofSeconds(5)), "done");
    }

    @Test
    public void remoteCommandFailuresAreClassedByTheStep() throws Exception {
        Env e = env();
        RemoteCommandException failed = new RemoteCommandException("root@fake:22", "insmod x.ko", 1, "Invalid parameters");
        InfrastructureException infra = expectThrows(InfrastructureException.class, () -> e.runner().run(
                step("spammer", Duration.ofSeconds(5), Step.RemoteFailure.INFRASTRUCTURE, d -> {
                    throw failed;
                })));
        assertEquals(infra.component(), "ssh");
        assertTrue(infra.getMessage().contains("'insmod x.ko' exited 1 on root@fake:22: Invalid parameters"), infra.getMessage());
        KdumpNotReadyException kdump = expectThrows(KdumpNotReadyException.class, () -> e.runner().run(
                step("kdump-readiness", Duration.ofSeconds(5), Step.RemoteFailure.KDUMP_NOT_READY, d -> {
                    throw failed;
                })));
        assertTrue(kdump.getMessage().contains("insmod"), kdump.getMessage());
    }

    @Test
    public void aWaitThatRunsOutIsAnInfrastructureErrorOfTheStepsComponent() throws Exception {
        Env e = env();
        InfrastructureException x = expectThrows(InfrastructureException.class, () -> e.runner().run(
                step("preflight", Duration.ofSeconds(5), Step.RemoteFailure.INFRASTRUCTURE, d -> {
                    throw new WaitTimeoutException("console receives the kernel log", Duration.ofSeconds(30), "not connected");
                })));
        assertTrue(x.getMessage().startsWith("ssh: step preflight on fake-host: console receives the kernel log timed out after 30 s; "
                + "last seen: not connected"),
                x.getMessage());
        assertTrue(x.timedOut());
        assertEquals(e.result().steps.get(0).status, "timeout");
    }

    /** A timeout is a fact of the failure, not a phrase: words in a message never make one, nor name a step twice. */
    @Test
    public void aStepsStatusAndPlaceComeFromTheFailureNotFromItsWords() throws Exception {
        Env e = env();
        InfrastructureException x = expectThrows(InfrastructureException.class, () -> e.runner().run(
                step("spammer", Duration.ofSeconds(5), Step.RemoteFailure.INFRASTRUCTURE, d -> {
                    throw new InfrastructureException("bmc", "the BMC said 'step spammer timed out after 3 s'", "");
                })));
        assertEquals(e.result().steps.get(0).status, "failed", "not a timeout of this step");
        assertTrue(!x.timedOut());
        assertEquals(x.getMessage(), "bmc: step spammer on fake-host: the BMC said 'step spammer timed out after 3 s'");
        InfrastructureException t = expectThrows(InfrastructureException.class, () -> e.runner().run(
                step("trigger", Duration.ofSeconds(5), Step.RemoteFailure.INFRASTRUCTURE, d -> {
                    throw InfrastructureException.timeout("ssh", "'echo c' did not finish within 2 s", "", null);
                })));
        assertEquals(e.result().steps.get(1).status, "timeout", "a command's own timeout");
        assertEquals(t.getMessage(), "ssh: step trigger on fake-host: 'echo c' did not finish within 2 s");
        assertEquals(t.inStep("trigger", "fake-host"), t, "named once");
    }

    @Test
    public void anUnexpectedExceptionStaysAHarnessBug() throws Exception {
        Env e = env();
        expectThrows(NullPointerException.class, () -> e.runner().run(
                step("sysctls", Duration.ofSeconds(5), Step.RemoteFailure.INFRASTRUCTURE, d -> {
                    throw new NullPointerException("bug");
                })));
        assertEquals(e.result().steps.get(0).status, "harness-error");
    }
}
