package io.kdumplab.harness.nightly;

import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.lease.Hold;
import io.kdumplab.harness.lease.HostLeases;
import io.kdumplab.harness.lease.Lease;
import io.kdumplab.harness.lease.LeaseKind;
import io.kdumplab.harness.lease.LeaseUnavailableException;
import io.kdumplab.harness.device.Fence;
import io.kdumplab.harness.verdict.Verdict;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * One host's share of a night, as one db-scheduler execution: take the host's
 * lease (waiting behind on-demand work) and its claim on the host (waiting
 * behind runs of orchestrators on other databases), take over what a dead
 * orchestrator left (its attempt INTERRUPTED, the host power-cycled and
 * health-checked),
 * then run the host's cells in order until done or out of budget. An
 * infrastructure outcome marks the host unhealthy; the cell is retried (bounded)
 * only after a passing health check, and never counts as a kernel FAIL.
 */
public final class HostRun {
    /** Attempts per cell when the host keeps failing for infrastructure reasons. */
    public static final int MAX_ATTEMPTS = 2;

    private final NightStore store;
    private final HostLeases leases;
    private final String holder;
    private final CellRunner runner;
    private final HostControl control;
    private final Consumer<String> log;
    private java.util.function.Supplier<String> orchestratorProblem = () -> null;
    private Consumer<String> onOrchestratorProblem = p -> { };

    public HostRun(NightStore store, HostLeases leases, String holder, CellRunner runner, HostControl control, Consumer<String> log) {
        this.store = store;
        this.leases = leases;
        this.holder = holder;
        this.runner = runner;
        this.control = control;
        this.log = log;
    }

    /**
     * The orchestrator's own health: asked before each cell (an unhealthy orchestrator gives the host back), and told
     * when a cell's result could not be written where it should (its reports disk filled).
     */
    public HostRun withOrchestratorHealth(java.util.function.Supplier<String> problem, Consumer<String> onProblem) {
        this.orchestratorProblem = problem;
        this.onOrchestratorProblem = onProblem;
        return this;
    }

    public void run(String nightId, String host) {
        NightStore.Night night = store.night(nightId);
        if (night == null) {
            log.accept(nightId + " is gone; nothing to do for " + host);
            return;
        }
        Duration wait = Duration.between(Instant.now(), night.deadline());
        if (wait.isNegative()) {
            store.close(nightId, host, "NOT_RUN", "the night's budget ran out before " + host + " was free");
            return;
        }
        Lease lease;
        try {
            lease = leases.acquire(host, holder + " night " + nightId, LeaseKind.NIGHTLY, wait, m -> log.accept("[" + host + "] " + m));
        } catch (LeaseUnavailableException e) {
            store.close(nightId, host, "NOT_RUN", "the night's budget ran out while waiting for " + host + ": " + e.getMessage());
            return;
        }
        try (lease) {
            underLease(nightId, host, lease, night);
        } catch (HealthCheckBug e) {
            int n = store.close(nightId, host, "HARNESS_ERROR", e.getMessage());
            log.accept("[" + host + "] " + e.getMessage() + ": " + n + " cell(s) closed as HARNESS_ERROR (the host's health "
                    + "is not judged by a broken check; please report it)");
        }
    }

    private void underLease(String nightId, String host, Lease lease, NightStore.Night night) {
        int leftovers = store.interruptLeftovers(nightId, lease);
        boolean cycled = false;
        String databaseFence = store.databaseIdentity() + "/" + lease.token();
        Hold claim;
        try {
            try {
                claim = control.claim(host, nightId, databaseFence, remaining(night), CLAIM_REACH);
            } catch (InfrastructureException unreachable) {
                if (leftovers == 0) {
                    throw unreachable;
                }
                // the dead orchestrator's cell left the host hung: only its BMC reaches it, and the lease is ours
                log.accept("[" + host + "] took over " + leftovers + " interrupted cell(s); the host does not answer ("
                        + unreachable.getMessage() + "): power-cycling it through its BMC before claiming it");
                control.powerCycle(host, lease);
                cycled = true;
                claim = control.claim(host, nightId, databaseFence, remaining(night), CLAIM_REACH_AFTER_BOOT);
            }
        } catch (InfrastructureException e) {
            store.health(host, false, "cannot claim the host: " + e.getMessage());
            store.close(nightId, host, "INFRA_ERROR", "host unhealthy: cannot claim it: " + e.getMessage());
            return;
        } catch (LeaseUnavailableException e) {
            store.close(nightId, host, "NOT_RUN", "the night's budget ran out while another run held " + host + ": "
                    + e.getMessage());
            return;
        }
        try (Hold held = claim) {
            Fence fence = Fence.all(List.of(lease, held));
            boolean needsCheck = leftovers > 0 || unhealthy(host);
            if (leftovers > 0 && !cycled) {
                log.accept("[" + host + "] took over " + leftovers + " interrupted cell(s); power-cycling the host through its BMC");
                control.powerCycle(host, fence);
            }
            if (needsCheck && !healthy(host, "before the night's cells")) {
                store.close(nightId, host, "INFRA_ERROR", "host unhealthy: " + healthReason(host));
                return;
            }
            cells(nightId, host, lease, fence, night);
        }
    }

    /** The first SSH contact for the claim; after a power cycle, the host's boot as well. */
    private static final Duration CLAIM_REACH = Duration.ofSeconds(30);
    private static final Duration CLAIM_REACH_AFTER_BOOT = Duration.ofMinutes(10);

    private static Duration remaining(NightStore.Night night) {
        Duration d = Duration.between(Instant.now(), night.deadline());
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** The host's pending cells in order, re-read after each one (a retried cell is pending again). */
    private void cells(String nightId, String host, Lease lease, Fence fence, NightStore.Night night) {
        while (true) {
            List<CellRow> pending = pending(nightId, host);
            if (pending.isEmpty()) {
                return;
            }
            CellRow cell = pending.get(0);
            String problem = orchestratorProblem.get();
            if (problem != null) {
                throw new OrchestratorUnhealthyException(problem);
            }
            if (Instant.now().isAfter(night.deadline())) {
                int n = store.close(nightId, host, "NOT_RUN", "the night's budget ran out");
                log.accept("[" + host + "] budget spent: " + n + " cell(s) NOT_RUN");
                return;
            }
            fence.check("starting cell " + cell.key());
            long attempt = store.start(cell, lease);
            if (attempt < 0) {
                throw new CancelledException("the lease on " + host + " was lost before cell " + cell.key());
            }
            log.accept("[" + host + "] cell " + cell.key() + " (attempt " + (cell.attempts() + 1) + ")");
            CellResult r;
            try {
                r = runner.run(cell, pending.size() > 1 ? pending.get(1) : null, fence);
            } catch (CancelledException e) {
                throw e;
            } catch (RuntimeException e) {
                r = new CellResult(Verdict.HARNESS_ERROR, e.toString(), null, null);
            }
            boolean retry = false;
            boolean hostGone = false;
            if (r.infrastructure()) {
                store.health(host, false, r.verdict() + ": " + r.reason());
                try {
                    hostGone = !healthy(host, "after " + r.verdict());
                } catch (HealthCheckBug bug) {
                    // the cell's own outcome stands (recorded, not retried); the broken check ends the host's night
                    if (!store.finish(cell, lease, attempt, r, false)) {
                        throw lost(lease, cell);
                    }
                    throw bug;
                }
                retry = !hostGone && cell.attempts() + 1 < MAX_ATTEMPTS;
            }
            if (!store.finish(cell, lease, attempt, r, retry)) {
                throw lost(lease, cell);
            }
            log.accept("[" + host + "] cell " + cell.key() + ": " + r.verdict() + (retry ? " (host healthy again: retrying)" : ""));
            if (hostGone) {
                store.close(nightId, host, "INFRA_ERROR", "host unhealthy: " + healthReason(host));
                return;
            }
            if (r.orchestratorProblem() != null) {
                // the verdict is kept (in the fallback result); the host is fine; this orchestrator is not
                onOrchestratorProblem.accept(r.orchestratorProblem());
                throw new OrchestratorUnhealthyException(r.orchestratorProblem());
            }
        }
    }

    private List<CellRow> pending(String nightId, String host) {
        return store.cells(nightId, host).stream().filter(c -> c.state().equals(NightStore.PENDING)).toList();
    }

    private boolean unhealthy(String host) {
        return store.health(host).map(h -> !h.healthy()).orElse(false);
    }

    private String healthReason(String host) {
        return store.health(host).map(HostHealth::reason).orElse("never checked");
    }

    /**
     * A bug in the health check (by type: not one of the failures the harness classes, nor a wait that ran out) says
     * nothing about the host: it is not recorded as the host's health, and the host's remaining cells end as
     * HARNESS_ERROR instead of being retried on a host the harness cannot judge.
     */
    static final class HealthCheckBug extends RuntimeException {
        HealthCheckBug(String when, RuntimeException cause) {
            super("harness bug in the health check " + when + ": " + cause, cause);
        }
    }

    private boolean healthy(String host, String when) {
        String problem;
        try {
            problem = control.healthProblem(host);
        } catch (HarnessException | WaitTimeoutException e) {
            problem = e.getMessage();
        } catch (RuntimeException e) {
            throw new HealthCheckBug(when, e);
        }
        store.health(host, problem == null, problem == null ? "health check passed " + when : problem);
        log.accept("[" + host + "] health check " + when + ": " + (problem == null ? "passed" : "FAILED: " + problem));
        return problem == null;
    }

    private static CancelledException lost(Lease lease, CellRow cell) {
        return new CancelledException("the result of cell " + cell.key() + " was rejected: the lease on " + lease.host()
                + " (token " + lease.token() + ") is no longer held");
    }
}
