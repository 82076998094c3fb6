package io.kdumplab.harness.cli;

import io.kdumplab.harness.device.drivers.Devices;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.target.TargetHost;
import io.kdumplab.harness.lease.HostClaim;
import io.kdumplab.harness.lease.HostLeases;
import io.kdumplab.harness.lease.Lease;
import io.kdumplab.harness.lease.LeaseKind;
import io.kdumplab.harness.lease.LeaseUnavailableException;
import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.store.Database;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One host, one run, whatever machine it is run from. Every mode holds its
 * host before touching it, twice: a lease in the database (the configured one,
 * --db or HARNESS_DB_URL, else the harness's private cluster on this machine)
 * for the queue, the kinds' order and fencing; and the claim on the host itself
 * (see HostClaim), which orchestrators that share no database also see. A
 * second run waits in line naming the holder, or is refused with --no-wait.
 */
public final class HostLeaseOptions {
    @Option(names = "--no-wait", description = "refuse at once (exit 125, naming the holder) when another run holds the host")
    boolean noWait;
    @Option(names = "--lease-wait", defaultValue = "43200", description = "seconds to wait in line for a held host (default 12 h)")
    long waitSeconds;
    @Option(names = "--db", defaultValue = "${env:HARNESS_DB_URL}", description = "lease and history database (default: "
            + "$HARNESS_DB_URL, else the harness's private PostgreSQL cluster on this machine)")
    String db;
    @Option(names = "--claim-ttl", paramLabel = "SECONDS", defaultValue = "900", description = "how long the claim on the host "
            + "outlives this run if it dies without releasing it (default ${DEFAULT-VALUE}); planned outages (the crash, "
            + "reboots) are covered on top")
    long claimTtlSeconds;

    /**
     * Holds `host` for a run of `mode` (repro, bisect, ...) with id `run`: the database lease, then the claim on the
     * host. `reach` bounds the first SSH contact (a host may be rebooting under a resumed bisection).
     */
    public Held take(TargetHost host, LeaseKind kind, String mode, String run, Duration reach, Consumer<String> progress) {
        HostClaim.Who who = HostClaim.Who.thisProcess(mode, run);
        Duration wait = noWait ? Duration.ZERO : Duration.ofSeconds(waitSeconds);
        long t0 = System.nanoTime();
        Database database = openDatabase(progress);
        HostLeases leases = null;
        Lease lease = null;
        try {
            String fence = null;
            if (database != null) {
                leases = new HostLeases(database, Duration.ofSeconds(30));
                lease = leases.acquire(host.name(), who.mode() + " run " + who.run() + " by " + who.user() + "@" + who.machine()
                        + " (pid " + who.pid() + ")", kind, wait, progress);
                progress.accept("host lease on " + host.name() + " taken (token " + lease.token() + ", " + database.describe() + ")");
                fence = database.identity() + "/" + lease.token();
            }
            Duration left = wait.minusNanos(System.nanoTime() - t0);
            HostClaim claim = HostClaim.take(Devices.of(host), who, fence, Duration.ofSeconds(claimTtlSeconds), reach,
                    noWait ? Duration.ZERO : left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left, progress);
            return new Held(database, leases, lease, claim, new java.util.concurrent.CountDownLatch(1));
        } catch (LeaseUnavailableException e) {
            closeQuietly(lease, leases, database);
            throw new InfrastructureException("lease", e.getMessage(), noWait ? "try again later, or wait: leave out --no-wait"
                    : "raise --lease-wait, or ask the holder");
        } catch (RuntimeException e) {
            closeQuietly(lease, leases, database);
            throw e;
        }
    }

    /** The configured database, else the private cluster (started if needed); none when PostgreSQL is not installed. */
    private Database openDatabase(Consumer<String> progress) {
        boolean configured = db != null && !db.isBlank();
        if (configured) {
            return Database.open(db, 3);
        }
        try {
            return Database.open(null, 3);
        } catch (ConfigurationException noPostgres) {
            progress.accept("no lease database on this machine (" + noPostgres.getMessage()
                    + "); the claim on the host alone holds it");
            return null;
        }
    }

    private static void closeQuietly(Lease lease, HostLeases leases, Database database) {
        if (lease != null) {
            lease.close();
        }
        if (leases != null) {
            leases.close();
        }
        if (database != null) {
            database.closeAndStopIfOurs();
        }
    }

    /** The lease (when there is a database), the claim on the host, and the database (the history of runs goes there too). */
    public record Held(Database database, HostLeases leases, Lease lease, HostClaim claim,
                       java.util.concurrent.CountDownLatch closed) implements AutoCloseable {
        /**
         * On SIGINT/SIGTERM the JVM halts once its shutdown hooks end, perhaps before the main thread gets to close
         * this hold: a hook of its own waits for that close (the run's restore comes first) up to `grace`, then
         * releases the hold itself, so that the next run is not kept waiting for the claim's deadline.
         */
        public Held releasingOnShutdown(Duration grace) {
            io.kdumplab.harness.util.Shutdown.register(io.kdumplab.harness.util.Shutdown.Stage.HOLD, "release the hold on the host",
                    grace.plusSeconds(15), () -> {
                        try {
                            if (!closed.await(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                                close();
                            }
                        } catch (InterruptedException e) {
                            close();
                        }
                    });
            return this;
        }

        public Fence fence() {
            List<Fence> all = new ArrayList<>();
            if (lease != null) {
                all.add(lease);
            }
            all.add(claim);
            return Fence.all(all);
        }

        public void record(String source, String host, String kernel, String scenario, String verdict, String reason, String report,
                           String diagnosis) {
            if (database != null) {
                try {
                    new io.kdumplab.harness.nightly.NightStore(database).recordRun(source, host, kernel, scenario, verdict, reason,
                            report, diagnosis);
                } catch (RuntimeException ignored) {
                    // the history is a record, the run's own files are the evidence
                }
            }
        }

        /** The claim first (on the host), then the lease: a waiter on this machine finds the host free on both. */
        /** Once; the shutdown hook's waiter is let go only when everything is given back. */
        @Override
        public synchronized void close() {
            if (closed.getCount() == 0) {
                return;
            }
            try {
                claim.close();
            } catch (HarnessException | IllegalStateException ignored) {
                // it lapses by its deadline
            } finally {
                try {
                    closeQuietly(lease, leases, database);
                } finally {
                    closed.countDown();
                }
            }
        }
    }
}
