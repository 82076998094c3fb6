package io.kdumplab.harness.nightly;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import io.kdumplab.harness.lease.HostLeases;
import io.kdumplab.harness.store.Database;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The distributed engine: db-scheduler on PostgreSQL. One host's share of a
 * night is one execution of the task `host-run@LAB` (instance NIGHT/HOST), so
 * an orchestrator started for a lab picks only that lab's hosts, labs connect
 * outward to the database, and db-scheduler guarantees one picker per
 * execution, heartbeats running ones and revives those of a dead orchestrator.
 * Its defaults (5 min heartbeat, 6 misses) would take half an hour to take a
 * host over; ours take it within about a minute ({@link Settings#DEFAULTS}).
 */
public final class NightlyEngine implements AutoCloseable {
    /**
     * heartbeat x missedHeartbeats: when db-scheduler declares an orchestrator dead; leaseTtl: when its host lease
     * lapses. A take-over needs both, so about max(20 s, 30 s) + polling with the defaults.
     */
    public record Settings(Duration heartbeat, int missedHeartbeats, Duration leaseTtl, Duration pollInterval, int threads) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(5), 4, Duration.ofSeconds(30),
                Duration.ofSeconds(2), 32);

        public Settings {
            if (missedHeartbeats < 4) {
                throw new IllegalArgumentException("db-scheduler needs at least 4 missed heartbeats before an execution is dead");
            }
        }

        public Duration takeOverWithin() {
            Duration dead = heartbeat.multipliedBy(missedHeartbeats);
            return (dead.compareTo(leaseTtl) > 0 ? dead : leaseTtl).plus(heartbeat).plus(pollInterval);
        }
    }

    /** Builds what a night's cells run with, once per night (its plan, inventory, kernels). */
    public interface Runners {
        CellRunner runner(String nightId);

        HostControl control(String nightId);

        /** This orchestrator's own problem (its reports disk below the minimum), or null. */
        default String orchestratorProblem() {
            return null;
        }
    }

    private final NightStore store;
    private final HostLeases leases;
    private final Settings settings;
    private final String holder;
    private final Runners runners;
    private final Consumer<String> log;
    private final Map<String, OneTimeTask<HostRunTask>> tasks = new HashMap<>();
    private final Scheduler scheduler;
    private final java.util.concurrent.ScheduledExecutorService healthCheck;
    private volatile String problem;

    public NightlyEngine(Database db, List<String> labs, Settings settings, Runners runners, Consumer<String> log) {
        this.store = new NightStore(db);
        this.leases = new HostLeases(db, settings.leaseTtl());
        this.settings = settings;
        this.runners = runners;
        this.log = log;
        this.holder = orchestratorName();
        List<Task<?>> known = new ArrayList<>();
        for (String lab : labs) {
            OneTimeTask<HostRunTask> t = Tasks.oneTime(taskName(lab), HostRunTask.class)
                    // a host run that failed (the database went away, the lease was lost) is tried again soon, bounded
                    .onFailure(new FailureHandler.MaxRetriesFailureHandler<>(20,
                            new FailureHandler.OnFailureRetryLater<>(Duration.ofSeconds(10))))
                    // (an unhealthy orchestrator's give-back is one failure per outage: it takes nothing while paused)
                    .onDeadExecutionRevive()
                    .execute((instance, ctx) -> hostRun(instance.getData()));
            tasks.put(lab, t);
            known.add(t);
        }
        this.healthCheck = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "orchestrator-health");
            t.setDaemon(true);
            return t;
        });
        this.scheduler = Scheduler.create(db.dataSource(), known)
                .serializer(new HostRunTask.Data())
                .schedulerName(new SchedulerName.Fixed(holder))
                .threads(settings.threads())
                .pollingInterval(settings.pollInterval())
                .heartbeatInterval(settings.heartbeat())
                .missedHeartbeatsLimit(settings.missedHeartbeats())
                // other labs' tasks are unknown here and must survive: never delete them as "unresolved"
                .deleteUnresolvedAfter(Duration.ofDays(3650))
                .shutdownMaxWait(Duration.ofSeconds(5))
                .build();
    }

    public static String taskName(String lab) {
        return "host-run@" + lab;
    }

    static String orchestratorName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(new java.security.SecureRandom().nextInt() & 0xffffL);
    }

    public String holder() {
        return holder;
    }

    public NightStore store() {
        return store;
    }

    public HostLeases leases() {
        return leases;
    }

    public Settings settings() {
        return settings;
    }

    /** One execution per host of the night; a second call (or another orchestrator's) schedules nothing new. */
    public int scheduleHosts(String nightId) {
        int scheduled = 0;
        for (NightHost labHost : store.hosts(nightId)) {
            OneTimeTask<HostRunTask> t = tasks.get(labHost.lab());
            if (t == null) {
                continue; // another lab's host: its own orchestrators schedule it too (idempotently)
            }
            HostRunTask task = new HostRunTask(nightId, labHost.host());
            if (scheduler.scheduleIfNotExists(t.instance(task.instanceId(), task), Instant.now())) {
                scheduled++;
            }
        }
        return scheduled;
    }

    public void start() {
        scheduler.start();
        long every = Math.max(1000, settings.heartbeat().toMillis());
        healthCheck.scheduleWithFixedDelay(this::checkHealth, 0, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * A full reports disk is the orchestrator's problem, not its hosts': it stops taking hosts (the scheduler
     * pauses, other orchestrators pick them) and says so in the database; it resumes once there is space again.
     */
    private synchronized void checkHealth() {
        String now;
        try {
            now = runners.orchestratorProblem();
        } catch (RuntimeException e) {
            now = e.getMessage();
        }
        if (now == null && problem != null) {
            problem = null;
            recordHealth(true, "healthy again");
            log.accept("orchestrator " + holder + " healthy again: taking hosts");
            scheduler.resume();
        } else if (now != null && !now.equals(problem)) {
            unhealthy(now);
        }
    }

    private synchronized void unhealthy(String why) {
        boolean first = problem == null;
        problem = why;
        recordHealth(false, why);
        if (first) {
            log.accept("ORCHESTRATOR UNHEALTHY: " + holder + ": " + why + "; taking no host until it is fixed");
            scheduler.pause();
        }
    }

    private void recordHealth(boolean healthy, String why) {
        try {
            store.orchestratorHealth(holder, healthy, why);
        } catch (RuntimeException e) {
            log.accept("could not record the orchestrator's health: " + e.getMessage());
        }
    }

    /** Null while healthy. */
    public String problem() {
        return problem;
    }

    private void hostRun(HostRunTask task) {
        String night = task.night();
        String host = task.host();
        try {
            if (problem != null) {
                throw new OrchestratorUnhealthyException(problem); // picked just before the pause: given back at once
            }
            new HostRun(store, leases, holder, runners.runner(night), runners.control(night), log)
                    .withOrchestratorHealth(() -> problem, this::unhealthy).run(night, host);
        } catch (OrchestratorUnhealthyException e) {
            log.accept("[" + host + "] host run of " + night + " given back: this orchestrator is unhealthy (" + e.getMessage()
                    + "); another orchestrator takes it, or this one once it is fixed");
            throw e;
        } catch (RuntimeException | Error e) {
            // db-scheduler retries the execution (bounded); say why here, its own logging is off
            log.accept("[" + host + "] host run of " + night + " stopped: " + e);
            throw e;
        }
    }

    /** Waits until every cell of the night is final, or `max`; true if finished. */
    public boolean awaitNight(String nightId, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (store.unfinished(nightId) == 0) {
                return true;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return store.unfinished(nightId) == 0;
    }

    @Override
    public void close() {
        healthCheck.shutdownNow();
        scheduler.stop();
        leases.close();
    }
}
