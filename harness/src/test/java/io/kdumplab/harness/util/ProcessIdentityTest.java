package io.kdumplab.harness.util;

import io.kdumplab.harness.lab.LabLiveness;
import io.kdumplab.harness.lab.LabState;
import org.testng.annotations.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/** A recorded process is the running one only with the same boot, pid and start time. */
@Test(groups = "unit")
public class ProcessIdentityTest {
    private static final String BOOT = "6f1c2d3e-0000-4000-8000-000000000001";

    /** A /proc made of strings: what the kernel would show. */
    static final class FakeProc implements ProcessIdentity.Proc {
        final Map<String, String> files = new HashMap<>();

        FakeProc boot(String id) {
            files.put("/proc/sys/kernel/random/boot_id", id + "\n");
            return this;
        }

        FakeProc process(long pid, String comm, long startTicks) {
            return process(pid, comm, "S", startTicks);
        }

        FakeProc process(long pid, String comm, String state, long startTicks) {
            // fields 3..21 then 22 = starttime; the comm may hold spaces and parentheses
            StringBuilder s = new StringBuilder(pid + " (" + comm + ") " + state);
            for (int f = 4; f <= 21; f++) {
                s.append(' ').append(f);
            }
            s.append(' ').append(startTicks).append(" 23 24\n");
            files.put("/proc/" + pid + "/stat", s.toString());
            return this;
        }

        @Override
        public Optional<String> read(String path) {
            return Optional.ofNullable(files.get(path));
        }
    }

    @Test
    public void readsTheStartTimeEvenWhenTheCommandNameHoldsSpacesAndParentheses() {
        FakeProc proc = new FakeProc().boot(BOOT).process(4242, "ipmi_sim (lab) x", 987654);
        assertEquals(ProcessIdentity.of(4242, proc).orElseThrow(), new ProcessIdentity(4242, 987654, BOOT));
        assertTrue(ProcessIdentity.of(4243, proc).isEmpty(), "no such process");
    }

    @Test
    public void theSameProcessIsRunning() {
        FakeProc proc = new FakeProc().boot(BOOT).process(100, "ipmi_sim", 5000);
        assertEquals(new ProcessIdentity(100, 5000, BOOT).whyNotRunning(proc), Optional.empty());
    }

    @Test
    public void theSamePidWithAnotherStartTimeIsSomebodyElse() {
        FakeProc proc = new FakeProc().boot(BOOT).process(100, "sleep", 9000);
        String why = new ProcessIdentity(100, 5000, BOOT).whyNotRunning(proc).orElseThrow();
        assertTrue(why.contains("belongs to another process"), why);
    }

    @Test
    public void anotherBootIsLeftOverFromBeforeARestart() {
        FakeProc proc = new FakeProc().boot("11111111-2222-3333-4444-555555555555").process(100, "ipmi_sim", 5000);
        String why = new ProcessIdentity(100, 5000, BOOT).whyNotRunning(proc).orElseThrow();
        assertEquals(why, "left over from before this machine restarted");
    }

    @Test
    public void aMissingProcessHasExited() {
        FakeProc proc = new FakeProc().boot(BOOT);
        assertTrue(new ProcessIdentity(100, 5000, BOOT).whyNotRunning(proc).orElseThrow().contains("has exited"));
    }

    @Test
    public void aZombieHasExitedThoughProcStillShowsIt() {
        // killed, not yet reaped: this machine's init reaps orphans up to ~2 s later (LeftOverLabIT, suite run 19)
        FakeProc proc = new FakeProc().boot(BOOT).process(100, "ipmi_sim", "Z", 5000);
        assertTrue(new ProcessIdentity(100, 5000, BOOT).whyNotRunning(proc).orElseThrow().contains("has exited"));
        assertTrue(ProcessIdentity.of(100, proc).isEmpty());
    }

    @Test
    public void aKilledOrphanIsNotAliveAtOnce() throws Exception {
        // an orphan as a lab's processes become once the command that started them has exited
        Process sh = new ProcessBuilder("sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!").start();
        long pid = Long.parseLong(new String(sh.getInputStream().readAllBytes()).strip());
        sh.waitFor();
        assertTrue(Processes.alive(pid));
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        long end = System.nanoTime() + 1_000_000_000L;
        while (Processes.alive(pid) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertFalse(Processes.alive(pid), "alive after SIGKILL (a zombie counted as running?)");
    }

    @Test
    public void aLabIsUpOnlyWhileBothOfItsProcessesAreTheRecordedOnes() {
        LabState s = state(BOOT, 100, 5000, 200, 6000);
        FakeProc proc = new FakeProc().boot(BOOT).process(100, "console-relay", 5000).process(200, "ipmi_sim", 6000);
        assertTrue(LabLiveness.of(Optional.of(s), proc).up());

        FakeProc restarted = new FakeProc().boot("aaaaaaaa-0000-4000-8000-000000000002")
                .process(100, "console-relay", 5000).process(200, "ipmi_sim", 6000);
        LabLiveness afterRestart = LabLiveness.of(Optional.of(s), restarted);
        assertTrue(afterRestart.leftOver());
        assertEquals(afterRestart.why(), "left over from before this machine restarted");

        FakeProc bmcReused = new FakeProc().boot(BOOT).process(100, "console-relay", 5000).process(200, "sleep", 7777);
        LabLiveness reused = LabLiveness.of(Optional.of(s), bmcReused);
        assertTrue(reused.leftOver() && reused.why().contains("BMC"), reused.why());

        FakeProc relayGone = new FakeProc().boot(BOOT).process(200, "ipmi_sim", 6000);
        LabLiveness gone = LabLiveness.of(Optional.of(s), relayGone);
        assertTrue(gone.leftOver() && gone.why().contains("console relay"), gone.why());

        assertFalse(LabLiveness.of(Optional.empty(), proc).up());
        assertEquals(LabLiveness.of(Optional.empty(), proc).kind(), LabLiveness.Kind.NOT_STARTED);
        assertTrue(LabLiveness.of(Optional.of(state(null, 100, 5000, 200, 6000)), proc).leftOver(),
                "a state without identities cannot prove it is up");
    }

    @Test
    public void aLabWhoseStartDidNotFinishIsNeverUpThoughItsProcessesRun() {
        LabState ready = state(BOOT, 100, 5000, 200, 6000);
        LabState unfinished = new LabState(ready.name(), ready.host(), 1, 2, 3, 4, 100, 200, "admin", "/x/pw", "root", "/x/key",
                "SHA256:x", "/x/kh", "/x/tty", "/x/console.log", "/x/img", "h", "k", "rt", "tcg", 115200, "2026-12-05T00:00:00Z",
                BOOT, 5000, 6000, null, null, null, null, false, null);
        FakeProc proc = new FakeProc().boot(BOOT).process(100, "console-relay", 5000).process(200, "ipmi_sim", 6000);
        LabLiveness l = LabLiveness.of(Optional.of(unfinished), proc);
        assertTrue(l.leftOver() && l.why().contains("its start did not finish"), l.why());
    }

    private static LabState state(String boot, long relayPid, long relayStart, long bmcPid, long bmcStart) {
        return new LabState("t", "127.0.0.1", 1, 2, 3, 4, relayPid, bmcPid, "admin", "/x/pw", "root", "/x/key", "SHA256:x",
                "/x/kh", "/x/tty", "/x/console.log", "/x/img", "h", "k", "rt", "tcg", 115200, "2026-12-05T00:00:00Z",
                boot, relayStart, bmcStart, null, null, null, null, true, null);
    }
}
