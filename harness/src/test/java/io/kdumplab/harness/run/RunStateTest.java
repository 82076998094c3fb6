package io.kdumplab.harness.run;

import io.kdumplab.harness.util.ProcessIdentity;
import org.testng.annotations.Test;

import java.time.Instant;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/** A result left "running" is running only while its process lives; killed with -9, or overtaken on its host, abandoned. */
@Test(groups = "unit")
public class RunStateTest {
    private static RunResult result(String id, String host, Instant started, RunResult.Orchestrator o) {
        RunResult r = new RunResult();
        r.runId = id;
        r.target.host = host;
        r.startedAt = started;
        r.orchestrator = o;
        return r;
    }

    @Test
    public void aRunningResultIsRunningOnlyWhileItsProcessLives() throws Exception {
        ProcessIdentity me = ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow();
        RunResult alive = result("a", "h", Instant.parse("2026-12-05T10:00:00Z"),
                new RunResult.Orchestrator(RunState.machine(), me.pid(), me.startTicks(), me.bootId()));
        assertEquals(RunState.of(alive, List.of()).kind(), RunState.Kind.RUNNING);

        Process p = new ProcessBuilder("true").start();
        long pid = p.pid();
        ProcessIdentity dead = ProcessIdentity.of(pid).orElse(new ProcessIdentity(pid, 1, me.bootId()));
        p.waitFor();
        RunResult killed = result("k", "h", Instant.parse("2026-12-05T10:00:00Z"),
                new RunResult.Orchestrator(RunState.machine(), pid, dead.startTicks(), me.bootId()));
        RunState s = RunState.of(killed, List.of());
        assertEquals(s.kind(), RunState.Kind.ABANDONED, s.why());
        assertTrue(s.why().contains("its process (pid " + pid + ") is gone"), s.why());
        assertEquals(RunState.label(killed, s), "ABANDONED (" + s.why() + ")");
    }

    @Test
    public void aLaterRunOnTheSameHostEndsItAndFinishedOnesAreAsTheySay() {
        RunResult old = result("old", "virtual-lab", Instant.parse("2026-12-05T10:00:00Z"), null);
        RunResult next = result("next", "virtual-lab", Instant.parse("2026-12-05T10:05:00Z"), null);
        RunResult elsewhere = result("x", "r740-03", Instant.parse("2026-12-05T11:00:00Z"), null);
        assertEquals(RunState.of(old, List.of(old, elsewhere)).kind(), RunState.Kind.UNKNOWN, "an older result names no process");
        RunState s = RunState.of(old, List.of(old, next, elsewhere));
        assertEquals(s.kind(), RunState.Kind.ABANDONED);
        assertTrue(s.why().contains("its host virtual-lab was used by run next"), s.why());
        next.status = "finished";
        assertEquals(RunState.of(next, List.of(old, next)).kind(), RunState.Kind.FINISHED);
        RunResult remote = result("r", "h2", Instant.now(), new RunResult.Orchestrator("another-machine", 1, 1, "b"));
        assertEquals(RunState.of(remote, List.of()).kind(), RunState.Kind.RUNNING, "another machine's process is not judged from here");
    }
}
