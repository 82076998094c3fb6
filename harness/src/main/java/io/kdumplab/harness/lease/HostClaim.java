package io.kdumplab.harness.lease;

import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.util.ShellWords;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.WaitProgress;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The claim on the host itself: a file in a directory that survives the crash
 * reboot, created and changed under flock over SSH, naming the run that holds
 * the host and until when. Orchestrators that share no database still exclude
 * each other through it. Renewed in the background while the host answers;
 * extended before a planned outage (the NMI, a reboot) so that the crash does
 * not outlast it; a claim whose deadline has passed on the host's clock is
 * taken over, naming the old holder. Checked before every destructive action:
 * when the host does not answer, the claim still holds until its deadline
 * (nobody can take it over before then), measured on this machine's clock.
 */
public final class HostClaim implements Hold {
    /** On disk, not /run or /tmp: the claim must outlive the crash reboot it covers. */
    public static final String DIR = "/var/lib/kdump-harness";
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
    private static final Duration POLL = Duration.ofSeconds(5);
    /** A claim operation is a few file operations: a host that takes longer is not answering. */
    private static final Duration CALL = Duration.ofSeconds(8);
    private static final Duration RECONNECT = Duration.ofSeconds(5);
    /** After a failed call the host counts as unreachable this long (the renewer keeps trying meanwhile). */
    private static final Duration UNREACHABLE_FOR = Duration.ofSeconds(20);
    private static final String SCRIPT = script();

    /** Who is claiming: written on the host for whoever comes next. */
    public record Who(String machine, String user, String mode, String run, long pid) {
        public static Who thisProcess(String mode, String run) {
            return new Who(localMachine(), System.getProperty("user.name"), mode, run, ProcessHandle.current().pid());
        }
    }

    private final Device device;
    private final String dir;
    private final Who who;
    private final String token;
    private final Duration ttl;
    private final Consumer<String> log;
    private volatile String fence = "-";
    private volatile String lostBecause;
    private volatile boolean released;
    /** This machine's estimate of the claim's deadline (System.nanoTime), from the host's answer. */
    private volatile long deadlineNanos;
    private ScheduledExecutorService renewer;
    /** One operation at a time on the claim's connection; a check does not queue behind a slow renewal. */
    private final java.util.concurrent.locks.ReentrantLock line = new java.util.concurrent.locks.ReentrantLock();
    private volatile long unreachableUntilNanos;

    HostClaim(Device device, String dir, Who who, Duration ttl, Consumer<String> log) {
        this.device = device;
        this.dir = dir;
        this.who = who;
        this.ttl = ttl;
        this.log = log;
        byte[] raw = new byte[12];
        new SecureRandom().nextBytes(raw);
        this.token = HexFormat.of().formatHex(raw);
    }

    /**
     * Claims the host, waiting in line up to `wait` (zero: refuse at once, naming the holder); `reach` bounds the first
     * SSH contact. The device is the claim's own (its shell is used by nothing else) and is closed with the claim.
     */
    public static HostClaim take(Device device, Who who, String databaseFence, Duration ttl, Duration reach, Duration wait,
                                 Consumer<String> log) {
        return take(device, DIR, who, databaseFence, ttl, reach, wait, log);
    }

    static HostClaim take(Device device, String dir, Who who, String databaseFence, Duration ttl, Duration reach,
                          Duration wait, Consumer<String> log) {
        HostClaim c = new HostClaim(device, dir, who, ttl, log);
        c.fence = databaseFence == null ? "-" : databaseFence;
        boolean ok = false;
        try {
            device.openShell(Deadline.in("SSH to " + device.host() + " to claim it", reach));
            c.acquire(wait);
            c.startRenewing();
            ok = true;
            return c;
        } finally {
            if (!ok) {
                device.close();
            }
        }
    }

    private void acquire(Duration wait) {
        Deadline d = Deadline.in("host " + device.host() + " to be free", wait.isZero() ? Duration.ofSeconds(1) : wait)
                .reportingTo(log);
        WaitProgress progress = new WaitProgress(d);
        ClaimHolder lastHolder = null;
        long lastHolderDeadlineNanos = 0;
        String lastSaid = null;
        while (true) {
            ClaimAnswer a;
            try {
                a = call("take", ttl);
            } catch (HarnessException unreachable) {
                // the holder's run may be crashing the host on purpose: wait while its claim runs, not past it
                if (lastHolder == null || System.nanoTime() > lastHolderDeadlineNanos || d.expired()) {
                    throw unreachable;
                }
                progress.tick("host unreachable while " + lastHolder.describe() + " holds it (" + unreachable.getMessage() + ")");
                sleep();
                continue;
            }
            if (a.status().startsWith("taken")) {
                ClaimHolder old = ClaimHolder.parse(a.kv(), "old.");
                if (old != null) {
                    log.accept("claim on " + device.host() + " taken over from " + old.describe() + " ("
                            + (a.status().endsWith("superseded") ? "its database lease was taken over by ours" : "its deadline passed")
                            + ")");
                }
                log.accept("claim on " + device.host() + " taken (" + who.mode() + " run " + who.run() + ", renewed every "
                        + renewEvery().toSeconds() + " s, lapses " + ttl.toSeconds() + " s after its holder falls silent)");
                return;
            }
            if (a.status().equals("held")) {
                lastHolder = a.holder();
                lastHolderDeadlineNanos = a.localNanosOf(a.holder().deadline()) + POLL.toNanos();
                String said = "host " + device.host() + " is claimed by " + a.holder().describe();
                if (wait.isZero()) {
                    throw new LeaseUnavailableException(said + " (--no-wait)", a.holder().describe());
                }
                if (d.expired()) {
                    throw new LeaseUnavailableException(said + "; gave up after " + wait.toSeconds() + " s", a.holder().describe());
                }
                if (!said.equals(lastSaid)) {
                    log.accept(said + "; waiting in line (" + d.remaining().toSeconds() + " s left)");
                    lastSaid = said;
                }
                progress.tick(said);
            } else if (!a.status().equals("busy")) {
                throw new InfrastructureException("claim", "claiming " + device.host() + " failed: " + a.raw(),
                        "the host needs flock (util-linux) and a writable " + dir);
            }
            sleep();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancelledException("interrupted while waiting for the host's claim");
        }
    }

    private Duration renewEvery() {
        long s = Math.max(5, Math.min(60, ttl.toSeconds() / 4));
        return Duration.ofSeconds(s);
    }

    private void startRenewing() {
        renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "claim-renewer-" + device.host());
            t.setDaemon(true);
            return t;
        });
        long every = renewEvery().toMillis();
        renewer.scheduleWithFixedDelay(() -> renew(ttl), every, every, TimeUnit.MILLISECONDS);
    }

    private void renew(Duration forHowLong) {
        if (released || lostBecause != null) {
            return;
        }
        try {
            ClaimAnswer a = call("renew", forHowLong);
            if (a.status().equals("lost")) {
                markLost(a.holder() == null ? "the claim file is gone" : "now claimed by " + a.holder().describe());
            }
        } catch (HarnessException | IllegalStateException unreachable) {
            // the host is rebooting (ours) or hung: the claim holds until its deadline; check() decides from there
        }
    }

    private void markLost(String why) {
        if (lostBecause == null) {
            lostBecause = why;
            log.accept("claim on " + device.host() + " LOST: " + why);
        }
    }

    /**
     * Before every destructive action: the claim is still ours, read from the host; when the host does not answer
     * (or just did not), by its deadline: nobody can take it over before then. Returns whether the host answered.
     */
    private boolean verify(String action) {
        boolean answered = false;
        if (lostBecause == null) {
            String why = null;
            try {
                ClaimAnswer a = callIfFree("read", ttl);
                if (a == null) {
                    why = "a renewal is still waiting for it";
                } else {
                    answered = true;
                    if (a.holder() == null || !a.holder().token().equals(token)) {
                        markLost(a.holder() == null ? "the claim file is gone" : "now claimed by " + a.holder().describe());
                    }
                }
            } catch (HarnessException unreachable) {
                why = unreachable.getMessage();
            }
            if (why != null) {
                byDeadline(why);
            }
        }
        if (lostBecause != null) {
            throw new CancelledException("the claim on " + device.host() + " is lost: " + lostBecause + "; not doing " + action);
        }
        return answered;
    }

    private void byDeadline(String why) {
        if (System.nanoTime() > deadlineNanos) {
            markLost("the host did not answer and the claim's deadline has passed (" + why + ")");
        }
    }

    @Override
    public void check(String action) {
        verify(action);
    }

    /**
     * Checks and extends the claim in one operation (the renewal succeeds only for the claim's holder) to cover an
     * outage the action causes (a crash and its reboot, a power cycle): one script run on a host whose console is
     * flooded, right before the NMI.
     */
    @Override
    public void beforeOutage(String action, Duration outage) {
        if (lostBecause == null) {
            Duration cover = outage.plus(Duration.ofMinutes(1));
            try {
                ClaimAnswer a = callIfFree("renew", cover.compareTo(ttl) > 0 ? cover : ttl);
                if (a == null) {
                    byDeadline("a renewal is still waiting for it");
                } else if (a.status().equals("lost")) {
                    markLost(a.holder() == null ? "the claim file is gone" : "now claimed by " + a.holder().describe());
                }
            } catch (HarnessException unreachable) {
                byDeadline(unreachable.getMessage()); // not reachable right now: the present deadline decides
            }
        }
        if (lostBecause != null) {
            throw new CancelledException("the claim on " + device.host() + " is lost: " + lostBecause + "; not doing " + action);
        }
    }

    /**
     * Recovering a host that does not answer (hung, or its capture kernel died): no SSH is tried, which would only
     * delay the power cycle; the claim holds by its deadline, which the NMI's extension set past the outage.
     */
    @Override
    public void beforeRecovery(String action, Duration outage) {
        if (lostBecause == null) {
            byDeadline("it is being recovered through its BMC");
        }
        if (lostBecause != null) {
            throw new CancelledException("the claim on " + device.host() + " is lost: " + lostBecause + "; not doing " + action);
        }
    }

    public String token() {
        return token;
    }

    /** Null while held; why it was lost otherwise. */
    public String lost() {
        return lostBecause;
    }

    /** Who holds the host now, read from the host (null: nobody). */
    public static ClaimHolder holderOf(Device device, Duration reach) {
        return holderOf(device, DIR, reach);
    }

    static ClaimHolder holderOf(Device device, String dir, Duration reach) {
        HostClaim reader = new HostClaim(device, dir, Who.thisProcess("status", "-"), DEFAULT_TTL, m -> { });
        try (device) {
            device.openShell(Deadline.in("SSH to " + device.host() + " to read its claim", reach));
            // a reader is in no hurry (a run's checks are): the whole reach for the script on a busy host (a module
            // build under TCG saturates the guest)
            CommandResult r = device.runRoot(reader.command("read", DEFAULT_TTL), reach);
            ClaimAnswer a = reader.answer(r);
            return a.holder() != null && a.nowHost() <= a.holder().deadline() ? a.holder() : null;
        }
    }

    /** Gives the host back (only if it is still ours). Best effort: an unreachable host keeps it until its deadline. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        if (renewer != null) {
            renewer.shutdownNow();
        }
        try {
            if (lostBecause == null && System.nanoTime() < unreachableUntilNanos) {
                log.accept("claim on " + device.host() + " not released (the host does not answer); it lapses by its deadline,"
                        + " or the next holder of the same database takes it over at once");
            } else if (lostBecause == null) {
                // one try on the present connection, no reconnect: a run's end must not wait for a dead host
                CommandResult r = device.runRoot(command("release", ttl), CALL);
                if (!r.stdout().contains("status=released")) {
                    log.accept("claim on " + device.host() + " was not ours any more at release: " + r.stdout().strip());
                }
            }
        } catch (HarnessException | IllegalStateException e) {
            log.accept("claim on " + device.host() + " not released (" + e.getMessage() + "); it lapses by its deadline,"
                    + " or the next holder of the same database takes it over at once");
        } finally {
            device.close();
        }
    }

    private String command(String op, Duration seconds) {
        List<String> args = new ArrayList<>(List.of("sh", "-c", SCRIPT, "claim.sh", dir, op, token,
                String.valueOf(Math.max(1, seconds.toSeconds())), clean(who.machine()), clean(who.user()), clean(who.mode()),
                clean(who.run()), String.valueOf(who.pid()), clean(fence)));
        return ShellWords.join(args);
    }

    /**
     * As call, or null when another operation (a renewal waiting for a silent host: at most CALL + RECONNECT + CALL)
     * still holds the line after that long.
     */
    private ClaimAnswer callIfFree(String op, Duration seconds) {
        try {
            if (!line.tryLock(CALL.multipliedBy(2).plus(RECONNECT).toMillis(), TimeUnit.MILLISECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        try {
            return call(op, seconds);
        } finally {
            line.unlock();
        }
    }

    /** One claim operation on the host; one at a time (the renewer and the run share this connection). */
    private ClaimAnswer call(String op, Duration seconds) {
        line.lock();
        try {
            ClaimAnswer a = callLocked(op, seconds);
            unreachableUntilNanos = 0;
            return a;
        } catch (HarnessException | IllegalStateException e) {
            unreachableUntilNanos = System.nanoTime() + UNREACHABLE_FOR.toNanos();
            throw e;
        } finally {
            line.unlock();
        }
    }

    private ClaimAnswer callLocked(String op, Duration seconds) {
        String command = command(op, seconds);
        CommandResult r;
        try {
            r = device.runRoot(command, CALL);
        } catch (HarnessException | IllegalStateException first) {
            // a cut or stale connection (the host rebooted under us; a failed reconnect leaves the old, closed shell):
            // one reconnect, then the caller decides
            device.reconnectShell(Deadline.in("SSH back to " + device.host() + " for its claim", RECONNECT));
            r = device.runRoot(command, CALL);
        }
        return answer(r);
    }

    private ClaimAnswer answer(CommandResult r) {
        ClaimAnswer a = ClaimAnswer.parse(r.stdout(), System.nanoTime());
        if (a == null) {
            throw new InfrastructureException("claim", "the claim script on " + device.host() + " gave no answer (exit "
                    + r.exitStatus() + "): " + (r.stderr().isBlank() ? r.stdout() : r.stderr()).strip(),
                    "the host needs sh, flock (util-linux) and sed; see docs/repro.md#one-host-one-run");
        }
        ClaimHolder holder = a.holder();
        if (holder != null && holder.token().equals(token)) {
            deadlineNanos = a.localNanosOf(holder.deadline());
        }
        return a;
    }

    /** One line, no '=' ambiguity problems, no control characters: the claim file is line-based. */
    private static String clean(String s) {
        String v = s == null || s.isBlank() ? "-" : s.replaceAll("[\\p{Cntrl}]", " ").strip();
        return v.length() > 120 ? v.substring(0, 120) : v;
    }

    /** The kernel's host name: no resolver involved (a lookup can stall for seconds on a lab network). */
    static String localMachine() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null ? "unknown" : env;
        }
    }

    private static String script() {
        try (InputStream in = HostClaim.class.getResourceAsStream("claim.sh")) {
            if (in == null) {
                throw new IllegalStateException("claim.sh missing from the harness jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
