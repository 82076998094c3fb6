package io.kdumplab.harness.lease;

import io.kdumplab.harness.store.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Host leases shared by repro, bisect and nightly, in PostgreSQL. A lease
 * expires unless its holder renews it (a crashed or frozen holder loses the
 * host after {@link #ttl}); it is released only by its holder; every grant
 * takes a new fencing token. Waiters queue per host: the free host goes to the
 * best waiter by kind (on-demand, bisect, nightly), where every {@link #AGING}
 * of waiting counts as one rank better, and to the earliest among equals.
 */
public final class HostLeases implements AutoCloseable {
    /** Waiting this long moves a request one rank up (a nightly cell waiting 2 x AGING beats fresh on-demand work). */
    public static final Duration AGING = Duration.ofMinutes(10);
    private static final Duration POLL = Duration.ofSeconds(1);
    /** LeaseKind's rank as SQL, for ordering the queue in the database. */
    private static final String RANK_SQL = " (case kind " + java.util.Arrays.stream(LeaseKind.values())
            .map(k -> "when '" + k.name() + "' then " + k.rank).collect(java.util.stream.Collectors.joining(" ")) + " end)";

    private final Database db;
    private final Duration ttl;
    private final ScheduledExecutorService renewer;
    private final Map<Lease, Boolean> held = new ConcurrentHashMap<>();

    public HostLeases(Database db, Duration ttl) {
        this.db = db;
        this.ttl = ttl;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-renewer");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(200, ttl.toMillis() / 3);
        renewer.scheduleWithFixedDelay(this::renewAll, every, every, TimeUnit.MILLISECONDS);
    }

    public Duration ttl() {
        return ttl;
    }

    /**
     * Takes the host for `holder`, waiting in the host's queue up to `wait` (zero: do not wait). While waiting,
     * `progress` hears the queue position and the holder.
     */
    public Lease acquire(String host, String holder, LeaseKind kind, Duration wait, Consumer<String> progress) {
        long deadline = System.nanoTime() + wait.toNanos();
        long request = enqueue(host, holder, kind);
        String lastNote = null;
        long lastNoteNanos = 0;
        try {
            while (true) {
                Grant g = tryGrant(host, holder, request);
                if (g.lease != null) {
                    held.put(g.lease, true);
                    return g.lease;
                }
                String note = "host " + host + " is held by " + g.holder + " (" + g.holderKind + ") since " + g.since
                        + "; queue position " + g.position;
                if (wait.isZero() || System.nanoTime() > deadline) {
                    throw new LeaseUnavailableException(note + (wait.isZero() ? " (--no-wait)" : "; gave up after " + wait.toSeconds() + " s"),
                            g.holder);
                }
                // a new situation at once, the same one again at least every 25 s: a wait in line is never silent
                if (!note.equals(lastNote) || System.nanoTime() - lastNoteNanos >= io.kdumplab.harness.wait.WaitProgress.EVERY.toNanos()) {
                    progress.accept(note + ", waiting (" + (deadline - System.nanoTime()) / 1_000_000_000L + " s left)");
                    lastNote = note;
                    lastNoteNanos = System.nanoTime();
                }
                try {
                    Thread.sleep(POLL.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LeaseUnavailableException("interrupted while waiting for " + host, g.holder);
                }
            }
        } finally {
            dequeue(request);
        }
    }

    private record Grant(Lease lease, String holder, String holderKind, Instant since, int position) {}

    private long enqueue(String host, String holder, LeaseKind kind) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "insert into lease_request (host, holder, kind) values (?, ?, ?) returning id")) {
            ps.setString(1, host);
            ps.setString(2, holder);
            ps.setString(3, kind.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw db.failure("queueing for host " + host, e);
        }
    }

    private void dequeue(long request) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("delete from lease_request where id = ?")) {
            ps.setLong(1, request);
            ps.executeUpdate();
        } catch (SQLException | RuntimeException ignored) {
            // a waiter that stops polling drops out by itself (last_seen)
        }
    }

    /** One decision under a per-host transaction lock: grant to us if the host is free and we are the best waiter. */
    private Grant tryGrant(String host, String holder, long request) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtext('lease:' || ?))")) {
                    lock.setString(1, host);
                    lock.execute();
                }
                try (PreparedStatement seen = c.prepareStatement("update lease_request set last_seen = now() where id = ?");
                     PreparedStatement gone = c.prepareStatement(
                             "delete from lease_request where host = ? and last_seen < now() - interval '30 seconds'")) {
                    seen.setLong(1, request);
                    seen.executeUpdate();
                    gone.setString(1, host);
                    gone.executeUpdate();
                }
                String curHolder = null;
                String curKind = null;
                Instant since = null;
                boolean free = true;
                try (PreparedStatement cur = c.prepareStatement(
                        "select holder, kind, acquired_at, expires_at > now() from host_lease where host = ?")) {
                    cur.setString(1, host);
                    try (ResultSet rs = cur.executeQuery()) {
                        if (rs.next()) {
                            curHolder = rs.getString(1);
                            curKind = rs.getString(2);
                            since = rs.getTimestamp(3).toInstant();
                            free = !rs.getBoolean(4);
                        }
                    }
                }
                // the queue in grant order: rank minus whole AGING periods waited, then request time
                long agingSeconds = AGING.toSeconds();
                int position = 0;
                try (PreparedStatement q = c.prepareStatement("select id from lease_request where host = ? order by"
                        + RANK_SQL
                        + " - floor(extract(epoch from (now() - requested_at)) / ?), requested_at, id")) {
                    q.setString(1, host);
                    q.setLong(2, agingSeconds);
                    try (ResultSet rs = q.executeQuery()) {
                        int i = 0;
                        while (rs.next()) {
                            i++;
                            if (rs.getLong(1) == request) {
                                position = i;
                                break;
                            }
                        }
                    }
                }
                if (free && position == 1) {
                    Lease l;
                    try (PreparedStatement grant = c.prepareStatement(
                            "insert into host_lease (host, holder, kind, token, acquired_at, expires_at)"
                                    + " select ?, ?, r.kind, nextval('lease_token_seq'), now(), now() + ? * interval '1 millisecond'"
                                    + " from lease_request r where r.id = ?"
                                    + " on conflict (host) do update set holder = excluded.holder, kind = excluded.kind,"
                                    + " token = excluded.token, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at"
                                    + " returning token, acquired_at")) {
                        grant.setString(1, host);
                        grant.setString(2, holder);
                        grant.setLong(3, ttl.toMillis());
                        grant.setLong(4, request);
                        try (ResultSet rs = grant.executeQuery()) {
                            rs.next();
                            l = new Lease(this, host, holder, rs.getLong(1), rs.getTimestamp(2).toInstant());
                        }
                    }
                    c.commit();
                    return new Grant(l, holder, null, l.acquiredAt(), 0);
                }
                c.commit();
                return new Grant(null, free ? "nobody (a better waiter is ahead)" : curHolder, free ? "-" : curKind, since,
                        position);
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw db.failure("taking the lease on " + host, e);
        }
    }

    /** Null if `lease` is still held, else why not (expired, or taken by another holder with a newer token). */
    String verify(Lease lease) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select holder, token, expires_at > now() from host_lease where host = ?")) {
            ps.setString(1, lease.host());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return "released or never granted";
                }
                if (rs.getLong(2) != lease.token()) {
                    return "now held by " + rs.getString(1) + " (token " + rs.getLong(2) + ")";
                }
                return rs.getBoolean(3) ? null : "expired (not renewed within " + ttl.toSeconds() + " s)";
            }
        } catch (SQLException e) {
            // cannot tell: treat as lost, the safe side for a destructive action
            return "the database did not answer (" + e.getMessage() + ")";
        } catch (RuntimeException e) {
            return "the database did not answer (" + e.getMessage() + ")";
        }
    }

    private void renewAll() {
        for (Lease l : held.keySet()) {
            if (l.released() || l.lost() != null) {
                held.remove(l);
                continue;
            }
            try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                    "update host_lease set expires_at = now() + ? * interval '1 millisecond'"
                            + " where host = ? and token = ? and expires_at > now()")) {
                ps.setLong(1, ttl.toMillis());
                ps.setString(2, l.host());
                ps.setLong(3, l.token());
                if (ps.executeUpdate() == 0) {
                    l.markLost(verifyOrExpired(l));
                    held.remove(l);
                }
            } catch (SQLException | RuntimeException e) {
                // the next renewal tries again; the lease may still expire meanwhile, which check() will see
            }
        }
    }

    private String verifyOrExpired(Lease l) {
        String why = verify(l);
        return why != null ? why : "expired before its renewal";
    }

    void announce(Lease lease, String runId, java.nio.file.Path runDir) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "update host_lease set run_id = ?, run_dir = ? where host = ? and token = ?")) {
            ps.setString(1, runId);
            ps.setString(2, runDir.toAbsolutePath().toString());
            ps.setString(3, lease.host());
            ps.setLong(4, lease.token());
            ps.executeUpdate();
        } catch (SQLException | RuntimeException ignored) {
            // a status page misses the run's live view; the run itself goes on
        }
    }

    void release(Lease lease) {
        held.remove(lease);
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "delete from host_lease where host = ? and token = ?")) {
            ps.setString(1, lease.host());
            ps.setLong(2, lease.token());
            ps.executeUpdate();
        } catch (SQLException | RuntimeException ignored) {
            // the lease expires by itself
        }
    }

    /** Who holds the host now, for status pages; null if free. */
    public String holderOf(String host) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select holder || ' (' || kind || ', token ' || token || ', since ' || acquired_at || ')' from host_lease"
                        + " where host = ? and expires_at > now()")) {
            ps.setString(1, host);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw db.failure("reading the lease of " + host, e);
        }
    }

    /** Who waits for the host, in grant order, for status pages. */
    public java.util.List<String> queueOf(String host) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select holder || ' (' || kind || ', waiting since ' || requested_at || ')' from lease_request where host = ?"
                        + " and last_seen > now() - interval '30 seconds' order by" + RANK_SQL
                        + " - floor(extract(epoch from (now() - requested_at)) / ?), requested_at, id")) {
            ps.setString(1, host);
            ps.setLong(2, AGING.toSeconds());
            java.util.List<String> out = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw db.failure("reading the queue of " + host, e);
        }
    }

    @Override
    public void close() {
        renewer.shutdownNow();
        for (Lease l : held.keySet()) {
            l.close();
        }
    }
}
