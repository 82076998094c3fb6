package io.kdumplab.harness.device.ipmi;

import org.testng.annotations.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

/** An exchange with the BMC that never answers (ipmi-java's lost notification) ends at its bound, its thread freed. */
@Test(groups = "unit")
public class IpmiCallBoundTest {
    @Test
    public void aCallThatWaitsForeverEndsAtItsBoundAndIsInterrupted() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        long t0 = System.nanoTime();
        try {
            IpmiBmc.bounded("read the chassis status", Duration.ofMillis(300), () -> {
                // what MessageListener.waitForAnswer does when nobody ever sets its response
                try {
                    while (true) {
                        Thread.sleep(1);
                    }
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
            });
            fail("it answered");
        } catch (TimeoutException e) {
            assertEquals(e.getMessage(), "read the chassis status: no answer within 300 ms");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 300 && ms < 3000, ms + " ms");
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the waiting thread was interrupted, not left spinning");
    }

    @Test
    public void anAnswerAndAFailureComeThroughAsThey() throws Exception {
        assertEquals(IpmiBmc.bounded("x", Duration.ofSeconds(5), () -> "on"), "on");
        try {
            IpmiBmc.bounded("x", Duration.ofSeconds(5), () -> {
                throw new java.io.IOException("Command timed out");
            });
            fail("no failure");
        } catch (java.io.IOException e) {
            assertEquals(e.getMessage(), "Command timed out");
        }
    }
}
