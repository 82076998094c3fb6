package io.kdumplab.harness.bisect;

import io.kdumplab.harness.builds.BuildList;
import io.kdumplab.harness.builds.Build;
import org.testng.annotations.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

/** The endpoint check decides from the journal alone: what to run next, or why to stop before any further run. */
@Test(groups = "unit")
public class EndpointCheckTest {
    private static final BuildList BUILDS = new BuildList(Path.of("builds"), List.of(
            new Build(0, "a", "k-a", Build.Kind.REPOSITORY, List.of(), List.of("x")),
            new Build(1, "b", "k-b", Build.Kind.REPOSITORY, List.of(), List.of("x")),
            new Build(2, "c", "k-c", Build.Kind.REPOSITORY, List.of(), List.of("x")),
            new Build(3, "d", "k-d", Build.Kind.REPOSITORY, List.of(), List.of("x"))));

    private static BisectSettings settings(double pMin) {
        return new BisectSettings(pMin, 0.05, 2, 60, 1, null, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    @Test
    public void goodThenBadEndpointAreTestedFirst() {
        List<Journal.Entry> j = new ArrayList<>();
        assertEquals(EndpointCheck.next(j, BUILDS, settings(1)).trialOn(), Integer.valueOf(0));
        j.add(Journal.Entry.trial(0, "a", "PASS", "r1", "ok", null, 100));
        assertEquals(EndpointCheck.next(j, BUILDS, settings(1)).trialOn(), Integer.valueOf(3));
        j.add(Journal.Entry.trial(3, "d", "FAIL", "r2", "hang", null, 100));
        EndpointCheck.Step done = EndpointCheck.next(j, BUILDS, settings(1));
        assertNull(done.trialOn());
        assertNull(done.problem());
    }

    @Test
    public void aFailingGoodEndpointStopsAtOnce() {
        List<Journal.Entry> j = List.of(Journal.Entry.trial(0, "a", "FAIL", "r1", "hang", null, 100));
        String p = EndpointCheck.next(j, BUILDS, settings(1)).problem();
        assertTrue(p.contains("good endpoint a (k-a) FAILED (run r1: hang)"), p);
    }

    @Test
    public void aPassingBadEndpointStopsAfterEnoughTrialsForHalfTheStatedRate() {
        // the stated rate is a guess: (1 - 0.5/2)^n <= 0.05 -> n = 11 passes before the bad endpoint is declared not reproducing
        assertEquals(settings(0.5).badEndpointTrials(), 11);
        assertEquals(settings(1).badEndpointTrials(), 5, "even at a stated 100%, one pass is evidence, not proof");
        List<Journal.Entry> j = new ArrayList<>();
        j.add(Journal.Entry.trial(0, "a", "PASS", "r0", "ok", null, 100));
        for (int i = 1; i <= 10; i++) {
            j.add(Journal.Entry.trial(3, "d", "PASS", "r" + i, "ok", null, 100));
            assertEquals(EndpointCheck.next(j, BUILDS, settings(0.5)).trialOn(), Integer.valueOf(3));
        }
        j.add(Journal.Entry.trial(3, "d", "INFRA_ERROR", "rx", "bmc", null, 10));
        assertEquals(EndpointCheck.next(j, BUILDS, settings(0.5)).trialOn(), Integer.valueOf(3), "infra trials do not count");
        j.add(Journal.Entry.trial(3, "d", "PASS", "r11", "ok", null, 100));
        String p = EndpointCheck.next(j, BUILDS, settings(0.5)).problem();
        assertTrue(p.contains("bad endpoint d (k-d) PASSED 11 trial(s)"), p);
    }

    @Test
    public void anUntestableEndpointStops() {
        List<Journal.Entry> j = List.of(Journal.Entry.event(Journal.Kind.SKIP, 0, "a", "does not boot", 0));
        assertTrue(EndpointCheck.next(j, BUILDS, settings(1)).problem().contains("could not be tested: does not boot"));
    }
}
