package io.kdumplab.harness.util;

import org.testng.annotations.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/** The shutdown stages run in order whatever the order of registration; a finished owner's action does not run. */
@Test(groups = "unit", singleThreaded = true)
public class ShutdownTest {
    @Test
    public void stagesRunInOrderEachBoundedAndUnregisteredActionsDoNot() {
        List<String> ran = new CopyOnWriteArrayList<>();
        Shutdown.register(Shutdown.Stage.HOLD, "hold", Duration.ofSeconds(5), () -> ran.add("hold"));
        Shutdown.register(Shutdown.Stage.MODE, "mode", Duration.ofSeconds(5), () -> ran.add("mode"));
        Shutdown.register(Shutdown.Stage.RUN, "stuck run", Duration.ofMillis(300), () -> {
            ran.add("run");
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Shutdown.register(Shutdown.Stage.RUN, "finished run", Duration.ofSeconds(5), () -> ran.add("finished")).close();
        assertEquals(Shutdown.pending(), List.of("RUN:stuck run", "MODE:mode", "HOLD:hold"));
        long t0 = System.nanoTime();
        Shutdown.runForTest();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(ran, List.of("run", "mode", "hold"), "in stage order; the finished run's action did not run");
        assertTrue(ms < 5_000, "the stuck action was cut at its bound: " + ms + " ms");
    }

    /**
     * An action registered after the signal (the hook has taken its list) runs at once: a run that registers just
     * then is cancelled before its first step instead of going on to its NMI while the hold's action waits for it.
     */
    @Test
    public void anActionRegisteredAfterTheSignalRunsAtOnce() throws Exception {
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        try {
            Shutdown.beginForTest();
            Shutdown.register(Shutdown.Stage.RUN, "late run", Duration.ofSeconds(5), ran::countDown);
            assertTrue(ran.await(5, java.util.concurrent.TimeUnit.SECONDS), "the late action ran");
            assertTrue(Shutdown.pending().isEmpty(), "and is not left for a hook that will not look again");
        } finally {
            Shutdown.runForTest();
        }
    }
}
