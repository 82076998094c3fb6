package io.kdumplab.harness.wait;

import org.testng.annotations.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** The wait primitive is never silent for long: on a fake clock, a 95 s wait reports at least three times. */
@Test(groups = "unit")
public class WaitProgressTest {
    @Test
    public void aWaitOf95SecondsSaysWhatItWaitsForAndTheTimeLeftAtLeastThreeTimes() {
        DeadlineTest.FakeClock clock = new DeadlineTest.FakeClock();
        List<String> lines = new ArrayList<>();
        Deadline d = Deadline.in("r740-03 back on SSH with a new boot", Duration.ofSeconds(300), clock).reportingTo(lines::add);
        long readyAt = Duration.ofSeconds(95).toNanos();
        String v = Wait.until(d, Duration.ofSeconds(3),
                () -> clock.now >= readyAt ? Wait.Result.ready("up") : Wait.Result.notYet("connection refused"));
        assertEquals(v, "up");
        assertTrue(lines.size() >= 3, lines.toString());
        for (String l : lines) {
            assertTrue(l.startsWith("waiting for r740-03 back on SSH with a new boot: "), l);
            assertTrue(l.matches(".*: \\d+ s so far, \\d+ s left \\(last seen: connection refused\\)"), l);
        }
        // every gap between two reports (and before the first) is at most 30 s of waiting
        assertTrue(lines.get(0).contains(": 2") || lines.get(0).contains(": 3"), lines.get(0));
        assertTrue(lines.get(lines.size() - 1).contains("left"), lines.toString());
    }

    @Test
    public void aShortWaitSaysNothingAndATimeoutStillNamesTheDeadline() {
        DeadlineTest.FakeClock clock = new DeadlineTest.FakeClock();
        List<String> lines = new ArrayList<>();
        Deadline d = Deadline.in("BMC answers", Duration.ofSeconds(20), clock).reportingTo(lines::add);
        WaitTimeoutException e = expectThrows(WaitTimeoutException.class,
                () -> Wait.until(d, Duration.ofSeconds(1), () -> Wait.Result.notYet("no answer")));
        assertTrue(e.getMessage().contains("BMC answers"), e.getMessage());
        assertTrue(lines.isEmpty(), "a 20 s wait needs no progress line: " + lines);
    }

    @Test
    public void childrenReportWhereTheirParentDoes() {
        DeadlineTest.FakeClock clock = new DeadlineTest.FakeClock();
        List<String> lines = new ArrayList<>();
        Deadline step = Deadline.in("outcome", Duration.ofSeconds(600), clock).reportingTo(lines::add);
        Deadline child = step.child("capture kernel", Duration.ofSeconds(120));
        WaitProgress p = new WaitProgress(child);
        clock.sleep(26_000);
        p.tick("quiet");
        assertEquals(lines.size(), 1, lines.toString());
        assertTrue(lines.get(0).startsWith("waiting for capture kernel: 26 s so far, 94 s left"), lines.get(0));
    }
}
