package io.kdumplab.harness.lease;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.support.FakeDevice;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The claim against the fake device, whose shell runs the real claim script on this machine in a temporary
 * directory (sh, flock, sed: what the host has): take, renew, take-over after the deadline, release.
 */
@Test(groups = "unit")
public class HostClaimTest {
    private Path dir;
    private FakeDevice host;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeMethod
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("claim");
        host = new FakeDevice();
        host.answers.put("claim.sh", HostClaimTest::runHere);
        log.clear();
    }

    static CommandResult runHere(String command) {
        try {
            Process p = new ProcessBuilder("sh", "-c", command).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            return new CommandResult(command, p.waitFor(), out.strip(), err.strip());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HostClaim take(String run, String fence, Duration ttl, Duration wait) {
        return HostClaim.take(host.device("h1"), dir.toString(), new HostClaim.Who("orch-" + run, "alice", "repro", run, 42),
                fence, ttl, Duration.ofSeconds(5), wait, log::add);
    }

    private String claimFile() throws Exception {
        return Files.readString(dir.resolve("claim"));
    }

    public void aFreeHostIsClaimedAndASecondRunIsRefusedNamingTheHolder() throws Exception {
        try (HostClaim a = take("run-A", null, Duration.ofMinutes(15), Duration.ZERO)) {
            assertTrue(claimFile().contains("token=" + a.token()), claimFile());
            assertTrue(claimFile().contains("run=run-A"));
            long t0 = System.nanoTime();
            LeaseUnavailableException e = expectThrows(LeaseUnavailableException.class,
                    () -> take("run-B", null, Duration.ofMinutes(15), Duration.ZERO));
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
            assertTrue(e.getMessage().contains("repro run run-A by alice@orch-run-A"), e.getMessage());
            assertTrue(e.getMessage().contains("--no-wait"), e.getMessage());
            a.check("the NMI"); // still ours
        }
    }

    public void renewingBeforeAnOutageMovesTheDeadlinePastIt() throws Exception {
        try (HostClaim a = take("run-A", null, Duration.ofSeconds(60), Duration.ZERO)) {
            long before = deadline();
            a.beforeOutage("the NMI", Duration.ofHours(1));
            long after = deadline();
            assertTrue(after >= before + 3500, before + " -> " + after);
            a.beforeOutage("a short reboot", Duration.ofSeconds(1)); // a renewal never shortens the claim
            assertEquals(deadline(), after);
        }
    }

    private long deadline() throws Exception {
        return Long.parseLong(claimFile().lines().filter(l -> l.startsWith("deadline=")).findFirst().orElseThrow()
                .substring("deadline=".length()));
    }

    public void anOutageExtensionByAnotherHolderFindsTheClaimLostInOneStep() throws Exception {
        HostClaim a = take("run-A", null, Duration.ofSeconds(1), Duration.ZERO);
        Thread.sleep(2200);
        try (HostClaim b = take("run-B", null, Duration.ofMinutes(15), Duration.ZERO)) {
            int before = host.commands.size();
            CancelledException e = expectThrows(CancelledException.class, () -> a.beforeOutage("the NMI", Duration.ofMinutes(10)));
            assertTrue(e.getMessage().contains("now claimed by repro run run-B"), e.getMessage());
            assertEquals(host.commands.size(), before + 1, "one script run: the renewal is the check");
            b.beforeOutage("the NMI", Duration.ofMinutes(10));
            a.close();
        }
    }

    public void aClaimPastItsDeadlineIsTakenOverNamingTheOldHolderAndTheOldHolderSeesItLost() throws Exception {
        HostClaim a = take("run-A", null, Duration.ofSeconds(1), Duration.ZERO);
        Thread.sleep(2200); // the host's clock has whole seconds: past a 1 s deadline for sure
        try (HostClaim b = take("run-B", null, Duration.ofMinutes(15), Duration.ZERO)) {
            assertTrue(log.stream().anyMatch(l -> l.contains("taken over from repro run run-A by alice@orch-run-A")
                    && l.contains("its deadline passed")), log.toString());
            CancelledException e = expectThrows(CancelledException.class, () -> a.check("the NMI"));
            assertTrue(e.getMessage().contains("now claimed by repro run run-B"), e.getMessage());
            assertTrue(e.getMessage().contains("not doing the NMI"), e.getMessage());
            expectThrows(CancelledException.class, () -> a.beforeOutage("the NMI", Duration.ofMinutes(10)));
            a.close(); // a lost claim is never released on the new holder's behalf
            assertTrue(claimFile().contains("token=" + b.token()));
            b.check("the NMI");
        }
    }

    public void aWaiterGetsTheHostOnceTheHolderReleasesIt() throws Exception {
        HostClaim a = take("run-A", null, Duration.ofMinutes(15), Duration.ZERO);
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException ignored) {
                return;
            }
            a.close();
        });
        releaser.start();
        try (HostClaim b = take("run-B", null, Duration.ofMinutes(15), Duration.ofSeconds(30))) {
            assertTrue(log.stream().anyMatch(l -> l.contains("is claimed by repro run run-A") && l.contains("waiting in line")),
                    log.toString());
            assertTrue(claimFile().contains("run=run-B"));
        }
        releaser.join();
        assertFalse(Files.exists(dir.resolve("claim")), "released at close");
    }

    public void aNewerLeaseOfTheSameDatabaseSupersedesTheClaimAtOnceAnotherDatabaseDoesNot() throws Exception {
        HostClaim a = take("night-1", "db1:harness/5", Duration.ofMinutes(15), Duration.ZERO);
        expectThrows(LeaseUnavailableException.class, () -> take("other", "db2:harness/9", Duration.ofMinutes(15), Duration.ZERO));
        expectThrows(LeaseUnavailableException.class, () -> take("older", "db1:harness/4", Duration.ofMinutes(15), Duration.ZERO));
        try (HostClaim b = take("night-1-takeover", "db1:harness/7", Duration.ofMinutes(15), Duration.ZERO)) {
            assertTrue(log.stream().anyMatch(l -> l.contains("taken over from repro run night-1")
                    && l.contains("its database lease was taken over by ours")), log.toString());
            expectThrows(CancelledException.class, () -> a.check("a power cycle"));
        }
    }

    /**
     * A take whose answer was lost (the host froze mid-command: the claim was written, the holder never heard) is not
     * a stranger's claim to the same holder's next take: the same database lease grant is the same holder. Seen in a
     * nightly take-over on a flooded host, which then waited out the whole 15-minute claim it had itself written.
     */
    public void aClaimWrittenUnderTheSameLeaseGrantIsTakenAtOnce() throws Exception {
        HostClaim lost = take("night-1-takeover", "db1:harness/7", Duration.ofMinutes(15), Duration.ZERO);
        try (HostClaim again = take("night-1-takeover", "db1:harness/7", Duration.ofMinutes(15), Duration.ZERO)) {
            assertTrue(claimFile().contains("token=" + again.token()), claimFile());
            expectThrows(CancelledException.class, () -> lost.check("the NMI"));
            // a run without a database lease proves nothing of the kind
            expectThrows(LeaseUnavailableException.class, () -> take("no-database", null, Duration.ofMinutes(15), Duration.ZERO));
        }
    }

    public void anUnreachableHostKeepsTheClaimUntilItsDeadlineOnly() throws Exception {
        HostClaim a = take("run-A", null, Duration.ofSeconds(2), Duration.ZERO);
        host.answers.put("claim.sh", c -> {
            throw new InfrastructureException("ssh", "connection refused", "");
        });
        host.hostDown = true;
        a.check("a power cycle"); // nobody can have taken it before its deadline
        Thread.sleep(2600);
        CancelledException e = expectThrows(CancelledException.class, () -> a.check("a power cycle"));
        assertTrue(e.getMessage().contains("the claim's deadline has passed"), e.getMessage());
        a.close();
    }

    public void recoveringADeadHostChecksTheClaimByItsDeadlineWithoutTouchingTheHost() throws Exception {
        HostClaim a = take("run-A", null, Duration.ofSeconds(2), Duration.ZERO);
        host.answers.put("claim.sh", c -> {
            throw new IllegalStateException("no SSH may be tried while recovering a dead host");
        });
        int before = host.commands.size();
        long t0 = System.nanoTime();
        a.beforeRecovery("a power cycle", Duration.ofMinutes(5));
        assertTrue(System.nanoTime() - t0 < Duration.ofMillis(100).toNanos(), "at once");
        assertEquals(host.commands.size(), before, "nothing sent to the host");
        Thread.sleep(2600);
        CancelledException e = expectThrows(CancelledException.class, () -> a.beforeRecovery("a power cycle", Duration.ofMinutes(5)));
        assertTrue(e.getMessage().contains("deadline has passed"), e.getMessage());
        host.hostDown = true;
        a.close();
    }

    public void holderOfReadsTheClaimAndAnExpiredOneCountsAsFree() throws Exception {
        assertNull(HostClaim.holderOf(host.device("h1"), dir.toString(), Duration.ofSeconds(5)));
        try (HostClaim a = take("run-A", null, Duration.ofMinutes(15), Duration.ZERO)) {
            ClaimHolder h = HostClaim.holderOf(host.device("h1"), dir.toString(), Duration.ofSeconds(5));
            assertEquals(h.run(), "run-A");
            assertEquals(h.user(), "alice");
        }
        assertNull(HostClaim.holderOf(host.device("h1"), dir.toString(), Duration.ofSeconds(5)));
    }
}
