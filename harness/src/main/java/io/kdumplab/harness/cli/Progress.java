package io.kdumplab.harness.cli;

import io.kdumplab.harness.run.ReproRun;
import io.kdumplab.harness.run.StepRecord;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Progress on stderr. On a terminal: the run's lines scroll, and a status line
 * at the bottom is repainted every second (step, elapsed / timeout, phases
 * seen). Not a terminal (CI logs): plain lines only. --quiet: nothing.
 */
final class Progress implements Consumer<String>, AutoCloseable {
    private final PrintStream err = System.err;
    private final boolean quiet;
    private final boolean tty;
    private volatile ReproRun run;
    private Thread ticker;
    private volatile boolean stop;

    Progress(boolean quiet) {
        this.quiet = quiet;
        this.tty = System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }

    void attach(ReproRun r) {
        this.run = r;
        if (tty && !quiet) {
            ticker = new Thread(this::tick, "progress");
            ticker.setDaemon(true);
            ticker.start();
        }
    }

    @Override
    public synchronized void accept(String msg) {
        if (quiet) {
            return;
        }
        if (tty) {
            err.print("\r\033[K");
        }
        err.println("[repro] " + msg);
        if (tty) {
            err.print(statusLine());
            err.flush();
        }
    }

    private void tick() {
        while (!stop) {
            synchronized (this) {
                err.print("\r\033[K" + statusLine());
                err.flush();
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private String statusLine() {
        ReproRun r = run;
        if (r == null) {
            return "";
        }
        try {
            Optional<StepRecord> s = r.runningStep();
            if (s.isEmpty()) {
                return "";
            }
            long el = Duration.between(Instant.parse(s.get().startedAt), Instant.now()).toSeconds();
            return String.format("\033[1m%s\033[0m %ds / %ds  phases: %s", s.get().name, el, s.get().timeoutSeconds,
                    r.phasesSeen().stream().map(Enum::name).collect(java.util.stream.Collectors.joining(" ")));
        } catch (RuntimeException e) {
            return "";
        }
    }

    @Override
    public void close() {
        stop = true;
        if (ticker != null) {
            ticker.interrupt();
            synchronized (this) {
                err.print("\r\033[K");
                err.flush();
            }
        }
    }
}
