package io.kdumplab.harness.wait;

import org.testng.annotations.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** Timing logic with a fake clock: no sleeping, no flakiness. */
@Test(groups = "unit")
public class DeadlineTest {
    static final class FakeClock implements Clock {
        long now;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(long millis) {
            now += Duration.ofMillis(millis).toNanos();
        }
    }

    @Test
    public void childDeadlineIsCutToTheParent() {
        FakeClock clock = new FakeClock();
        Deadline parent = Deadline.in("run", Duration.ofSeconds(60), clock);
        clock.now += Duration.ofSeconds(50).toNanos();
        Deadline child = parent.child("ssh back", Duration.ofSeconds(30));
        assertEquals(child.remaining(), Duration.ofSeconds(10));
        assertTrue(child.name().contains("cut to run"), child.name());
        Deadline small = parent.child("quick", Duration.ofSeconds(5));
        assertEquals(small.remaining(), Duration.ofSeconds(5));
        assertEquals(small.name(), "quick");
    }

    @Test
    public void waitReturnsTheValueOnceReady() {
        FakeClock clock = new FakeClock();
        AtomicInteger calls = new AtomicInteger();
        String v = Wait.until(Deadline.in("counter", Duration.ofSeconds(10), clock), Duration.ofSeconds(1),
                () -> calls.incrementAndGet() >= 3 ? Wait.Result.ready("done") : Wait.Result.notYet("call " + calls.get()));
        assertEquals(v, "done");
        assertEquals(calls.get(), 3);
        assertEquals(clock.now, Duration.ofSeconds(2).toNanos());
    }

    @Test
    public void timeoutNamesTheWaitAndWhatWasSeenLast() {
        FakeClock clock = new FakeClock();
        WaitTimeoutException e = expectThrows(WaitTimeoutException.class,
                () -> Wait.until(Deadline.in("capture kernel on console", Duration.ofSeconds(5), clock), Duration.ofSeconds(1),
                        () -> {
                            throw new IllegalStateException("console quiet since 12:00:03");
                        }));
        assertEquals(e.getMessage(), "capture kernel on console timed out after 5 s; last seen: "
                + "IllegalStateException: console quiet since 12:00:03");
        assertFalse(e.lastSeen().isEmpty());
    }

    @Test
    public void aFatalProbeEndsTheWaitAtOnceWithItsError() {
        FakeClock clock = new FakeClock();
        int[] calls = {0};
        IllegalStateException e = org.testng.Assert.expectThrows(IllegalStateException.class, () -> Wait.until(
                Deadline.in("BMC answers", java.time.Duration.ofSeconds(60), clock), java.time.Duration.ofSeconds(1), () -> {
                    calls[0]++;
                    return calls[0] < 3 ? Wait.Result.notYet("starting") : Wait.Result.fatal(new IllegalStateException("ipmi_sim exited"));
                }));
        org.testng.Assert.assertEquals(e.getMessage(), "ipmi_sim exited");
        org.testng.Assert.assertEquals(calls[0], 3, "no poll after the fatal one");
    }

    @Test
    public void aHarnessBugInAProbeEndsTheWaitAtOnceAsItselfNotAsATimeout() {
        FakeClock clock = new FakeClock();
        int[] calls = {0};
        expectThrows(NullPointerException.class, () -> Wait.until(Deadline.in("SSH back", Duration.ofSeconds(60), clock),
                Duration.ofSeconds(1), () -> {
                    calls[0]++;
                    String notSetYet = null;
                    return notSetYet.isEmpty() ? Wait.Result.ready(true) : Wait.Result.notYet("?");
                }));
        assertEquals(calls[0], 1, "not polled again");
        assertEquals(clock.now, 0L, "no time waited");
    }
}
