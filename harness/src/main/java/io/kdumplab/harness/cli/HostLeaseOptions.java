package io.kdumplab.harness.cli;

import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.lease.HostLeases;
import io.kdumplab.harness.lease.Lease;
import io.kdumplab.harness.lease.LeaseKind;
import io.kdumplab.harness.lease.LeaseUnavailableException;
import io.kdumplab.harness.run.Fence;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.store.PrivateCluster;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * The host lease repro and bisect take, shared with nightly: when a lease
 * database is configured (--db, HARNESS_DB_URL) or the private cluster exists,
 * the host is taken before anything touches it, a second user waits in the
 * host's queue (or is refused with --no-wait, naming the holder), and the run
 * is fenced by the lease. Without one (no URL, and the private cluster not
 * running: no night is being worked here), a single user works unleased.
 */
public final class HostLeaseOptions {
    @Option(names = "--no-wait", description = "refuse at once (exit 125, naming the holder) when the host is leased by someone else")
    boolean noWait;
    @Option(names = "--lease-wait", defaultValue = "43200", description = "seconds to wait for a leased host (default 12 h)")
    long waitSeconds;
    @Option(names = "--db", defaultValue = "${env:HARNESS_DB_URL}", description = "lease and history database (default: "
            + "$HARNESS_DB_URL, else the private cluster while it runs)")
    String db;

    /** A held lease (close it when done), or an unleased session when no lease database is configured. */
    public Held take(String host, LeaseKind kind, String who, java.util.function.Consumer<String> progress) {
        boolean configured = db != null && !db.isBlank();
        if (!configured && !PrivateCluster.local().isRunning()) {
            return new Held(null, null, null);
        }
        Database database = Database.open(configured ? db : null, 3);
        HostLeases leases = new HostLeases(database, Duration.ofSeconds(30));
        try {
            Lease l = leases.acquire(host, who, kind, noWait ? Duration.ZERO : Duration.ofSeconds(waitSeconds), progress);
            progress.accept("host lease on " + host + " taken (token " + l.token() + ")");
            return new Held(database, leases, l);
        } catch (LeaseUnavailableException e) {
            leases.close();
            database.close();
            throw new InfrastructureException("lease", e.getMessage(), noWait ? "try again later, or wait: leave out --no-wait"
                    : "raise --lease-wait, or ask the holder");
        }
    }

    /** The lease (or nothing) and the database behind it; the history of runs goes there too. */
    public record Held(Database database, HostLeases leases, Lease lease) implements AutoCloseable {
        public Fence fence() {
            return lease == null ? Fence.NONE : lease;
        }

        public void record(String source, String host, String kernel, String scenario, String verdict, String reason, String report) {
            if (database != null) {
                try {
                    new io.kdumplab.harness.nightly.NightStore(database).recordRun(source, host, kernel, scenario, verdict, reason,
                            report);
                } catch (RuntimeException ignored) {
                    // the history is a record, the run's own files are the evidence
                }
            }
        }

        @Override
        public void close() {
            if (lease != null) {
                lease.close();
            }
            if (leases != null) {
                leases.close();
            }
            if (database != null) {
                database.close();
            }
        }
    }
}
