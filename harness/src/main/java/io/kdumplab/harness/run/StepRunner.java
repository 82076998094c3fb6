package io.kdumplab.harness.run;

import io.kdumplab.harness.failure.CancelledException;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.failure.KdumpNotReadyException;
import io.kdumplab.harness.failure.RemoteCommandException;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs steps one at a time: checks for cancellation before each, writes
 * start and end to harness.log and result.json, enforces the timeout and
 * classes the failure.
 *
 * The step body runs on its own thread so that the timeout holds whatever
 * the body does: on expiry (or cancellation) the runner interrupts it and
 * cuts the device's links (a blocked read ends when its socket closes), gives
 * it a short grace period, and moves on.
 */
public final class StepRunner {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration WATCH_EVERY = Duration.ofSeconds(1);
    /** How long a failed step waits for the host's watch to tell a dead machine from a power cycle. */
    private static final Duration SETTLE = Duration.ofSeconds(25);

    private final RunContext ctx;
    private final Runnable cutLinks;
    private final AtomicReference<Thread> running = new AtomicReference<>();
    private volatile String currentStep = "setup";

    public StepRunner(RunContext ctx, Runnable cutLinks) {
        this.ctx = ctx;
        this.cutLinks = cutLinks;
    }

    /** The step running now, or the last one that ran. */
    public String currentStep() {
        return currentStep;
    }

    public <T> T run(Step<T> step) {
        if (ctx.cancel().cancelled()) {
            throw new CancelledException(ctx.cancel().reason() + " (before step " + step.name() + ")");
        }
        return execute(step, step.timeout(ctx), true);
    }

    /** For cleanup: runs even after a cancellation, under the given (usually shorter) timeout. */
    public <T> T runCleanup(Step<T> step, Duration timeout) {
        return execute(step, timeout, false);
    }

    /** Ctrl-C: stop the running step now (the main thread then runs restore). */
    public void interruptCurrent() {
        Thread t = running.get();
        if (t != null) {
            t.interrupt();
        }
    }

    private <T> T execute(Step<T> step, Duration timeout, boolean cancellable) {
        currentStep = step.name();
        StepRecord rec = ctx.recorder().beginStep(step.name(), timeout);
        ctx.info("step " + step.name() + ": started (timeout " + timeout.toSeconds() + " s)");
        // a long wait inside the step says what it waits for in the run's log (and on stderr through it)
        String host = ctx.host().name();
        Deadline deadline = Deadline.in(step.name(), timeout, ctx.clock()).reportingTo(m -> ctx.info(m + " [host " + host + "]"));
        CompletableFuture<T> future = new CompletableFuture<>();
        Thread body = new Thread(() -> {
            try {
                future.complete(step.run(ctx, deadline));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        }, "step-" + step.name());
        body.setDaemon(true);
        running.set(body);
        body.start();
        try {
            T value = await(future, step, timeout, body, cancellable);
            ctx.recorder().endStep(rec, "ok", null);
            ctx.info("step " + step.name() + ": ok");
            return value;
        } catch (RuntimeException e) {
            RuntimeException classed = named(step, classify(step, machineBehind(step, e)));
            ctx.recorder().endStep(rec, status(classed), classed.getMessage());
            ctx.info("step " + step.name() + ": " + status(classed) + ": "
                    + (classed instanceof HarnessException h ? h.describe() : classed.toString()));
            throw classed;
        } finally {
            running.set(null);
        }
    }

    /**
     * An infrastructure failure on a host whose machinery looks gone (a lab's QEMU missing) is put down to the
     * machine once the watch can tell: the SSH link that broke with it is the symptom, not the cause.
     */
    private RuntimeException machineBehind(Step<?> step, RuntimeException e) {
        if (!(e instanceof InfrastructureException || e instanceof io.kdumplab.harness.wait.WaitTimeoutException)
                || !ctx.host().watch().suspect()) {
            return e;
        }
        long until = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < until && ctx.host().watch().suspect()) {
            Optional<String> dead = ctx.host().watch().failure();
            if (dead.isPresent()) {
                return machineDied(step, dead.get(), e);
            }
            try {
                Thread.sleep(WATCH_EVERY.toMillis());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return e;
    }

    /** The host's machinery (a lab process) died: named as such, with what brings it back. */
    private InfrastructureException machineDied(Step<?> step, String what, Throwable cause) {
        String lab = ctx.host().virtualLab();
        return InfrastructureException.placed("lab", what + " (during step " + step.name() + " on " + ctx.host().name() + ")",
                "bring the lab up again: ./harness.sh lab up" + (lab == null || "default".equals(lab) ? "" : " --name " + lab),
                cause, false);
    }

    private <T> T await(CompletableFuture<T> future, Step<T> step, Duration timeout, Thread body, boolean cancellable) {
        long end = System.nanoTime() + timeout.toNanos();
        long nextWatch = System.nanoTime();
        long stepStart = System.nanoTime();
        while (true) {
            if (ctx.log().silentFor().compareTo(io.kdumplab.harness.wait.WaitProgress.EVERY) >= 0) {
                // one remote command can run for minutes (a module build): the run is never silent for 30 s
                ctx.info("step " + step.name() + " on " + ctx.host().name() + ": still running, "
                        + Duration.ofNanos(System.nanoTime() - stepStart).toSeconds() + " s of its " + timeout.toSeconds()
                        + " s timeout");
            }
            if (System.nanoTime() >= nextWatch) {
                // the host's machinery died under the step (a lab process): say so now, not at the step's timeout
                nextWatch = System.nanoTime() + WATCH_EVERY.toNanos();
                Optional<String> dead = ctx.host().watch().failure();
                if (dead.isPresent()) {
                    stop(body);
                    throw machineDied(step, dead.get(), null);
                }
            }
            try {
                return future.get(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))),
                        TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (cancellable && ctx.cancel().cancelled()) {
                    // whatever the interrupted body made of it: the run was stopped
                    throw new CancelledException(ctx.cancel().reason() + " (during step " + step.name() + ")");
                }
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error err) {
                    throw err;
                }
                throw new InfrastructureException(step.component(), step.name() + ": " + c, "see harness.log", c);
            } catch (TimeoutException e) {
                if (cancellable && ctx.cancel().cancelled()) {
                    stop(body);
                    throw new CancelledException(ctx.cancel().reason() + " (during step " + step.name() + ")");
                }
                if (System.nanoTime() >= end) {
                    stop(body);
                    throw InfrastructureException.placed(step.component(), "step " + step.name() + " timed out after "
                            + timeout.toSeconds() + " s on " + ctx.host().name(), "see harness.log and console.log in " + ctx.dir(),
                            null, true);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop(body);
                throw new CancelledException("interrupted (during step " + step.name() + ")");
            }
        }
    }

    private void stop(Thread body) {
        body.interrupt();
        cutLinks.run();
        try {
            body.join(GRACE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A step's failure in the closed hierarchy; anything outside it stays as it is (a harness bug). */
    static RuntimeException classify(Step<?> step, RuntimeException e) {
        if (e instanceof RemoteCommandException r) {
            return switch (step.remoteCommandFailure()) {
                case KDUMP_NOT_READY -> new KdumpNotReadyException(r.getMessage(), "see harness.log");
                case INFRASTRUCTURE -> new InfrastructureException(step.component(), r.getMessage(),
                        "the command ran and failed on the host; see harness.log", r);
            };
        }
        if (e instanceof WaitTimeoutException w) {
            return InfrastructureException.timeout(step.component(), w.getMessage(), "see harness.log and console.log", w);
        }
        return e;
    }

    /** An infrastructure error says in which step and on which host it happened (nightly runs many hosts at once). */
    private RuntimeException named(Step<?> step, RuntimeException e) {
        return e instanceof InfrastructureException i ? i.inStep(step.name(), ctx.host().name()) : e;
    }

    private static String status(RuntimeException e) {
        if (e instanceof CancelledException) {
            return "cancelled";
        }
        if (e instanceof KdumpNotReadyException) {
            return "not-ready";
        }
        if (e instanceof InfrastructureException i && i.timedOut()) {
            return "timeout";
        }
        return e instanceof HarnessException ? "failed" : "harness-error";
    }
}
