package io.kdumplab.harness.lease;

import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.device.Fence;

import java.time.Instant;

/**
 * A held host: its fencing token grows with every grant. Renewed in the
 * background while held; once a renewal finds it expired or taken, it stays
 * lost (never silently re-taken), and {@link #check} refuses every destructive
 * action from then on.
 */
public final class Lease implements Fence, AutoCloseable {
    private final HostLeases leases;
    private final String host;
    private final String holder;
    private final long token;
    private final Instant acquiredAt;
    private volatile String lostBecause;
    private volatile boolean released;

    Lease(HostLeases leases, String host, String holder, long token, Instant acquiredAt) {
        this.leases = leases;
        this.host = host;
        this.holder = holder;
        this.token = token;
        this.acquiredAt = acquiredAt;
    }

    public String host() {
        return host;
    }

    public String holder() {
        return holder;
    }

    public long token() {
        return token;
    }

    public Instant acquiredAt() {
        return acquiredAt;
    }

    /** Null while held; why it was lost otherwise. */
    public String lost() {
        return lostBecause;
    }

    void markLost(String why) {
        if (lostBecause == null) {
            lostBecause = why;
        }
    }

    /** Asks the database, not a cached flag: a frozen process that wakes up must see what happened meanwhile. */
    @Override
    public void check(String action) {
        if (lostBecause == null) {
            String now = leases.verify(this);
            if (now != null) {
                markLost(now);
            }
        }
        if (lostBecause != null) {
            throw new CancelledException("the lease on " + host + " (token " + token + ") is lost: " + lostBecause
                    + "; not doing " + action);
        }
    }

    /** The run this lease is for now, beside the lease in the database (the web view's hosts page). */
    @Override
    public void announce(String runId, java.nio.file.Path runDir) {
        leases.announce(this, runId, runDir);
    }

    boolean released() {
        return released;
    }

    /** Gives the host back (only if still ours: a lost lease is never released on the new holder's behalf). */
    @Override
    public void close() {
        if (!released) {
            released = true;
            leases.release(this);
        }
    }
}
