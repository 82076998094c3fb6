package io.kdumplab.harness.util;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The process's one shutdown hook. On SIGINT/SIGTERM the JVM runs its hooks concurrently; ours must run in order,
 * because each stage needs the one before to have finished with the host: the run restores its sysctls and
 * modules, then the mode restores what it changed (a bisection's boot setup, which reboots the host), then the hold
 * on the host is released (the next waiter may start at once), then shared resources close. Each action is bounded.
 */
public final class Shutdown {
    /** In the order they run. */
    public enum Stage { RUN, MODE, HOLD, RESOURCES }

    /** A registered action; closing it unregisters it (its owner finished normally). */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    private record Action(String name, Duration bound, Runnable body) {}

    private static final Map<Stage, List<Action>> ACTIONS = new EnumMap<>(Stage.class);
    private static boolean hooked;
    private static volatile boolean running;

    private Shutdown() {}

    /** `body` runs at shutdown in its stage, for at most `bound` (then the next action runs). */
    public static synchronized Registration register(Stage stage, String name, Duration bound, Runnable body) {
        if (running) {
            // the hook took its list already: run this now, as the hook would have, or it would never run (seen: a run
            // registered just after a SIGTERM, while the hold's action waited for it, went on to its NMI)
            Thread t = new Thread(body, "shutdown-late-" + name);
            t.setDaemon(true);
            t.start();
            return () -> { };
        }
        Action a = new Action(name, bound, body);
        ACTIONS.computeIfAbsent(stage, s -> new ArrayList<>()).add(a);
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(Shutdown::runAll, "shutdown-in-order"));
            hooked = true;
        }
        return () -> {
            synchronized (Shutdown.class) {
                if (!running) {
                    ACTIONS.get(stage).remove(a);
                }
            }
        };
    }

    /** True once the JVM is going down (an owner that finishes now must not undo what the hook does). */
    public static boolean inProgress() {
        return running;
    }

    private static void runAll() {
        List<Action> order = new ArrayList<>();
        synchronized (Shutdown.class) {
            running = true;
            for (Stage s : Stage.values()) {
                order.addAll(ACTIONS.getOrDefault(s, List.of()));
            }
        }
        for (Action a : order) {
            Thread t = new Thread(a.body(), "shutdown-" + a.name());
            t.setDaemon(true);
            t.start();
            try {
                t.join(a.bound().toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (t.isAlive()) {
                System.err.println("shutdown: " + a.name() + " did not finish within " + a.bound().toSeconds()
                        + " s; going on with the next step");
            }
        }
    }

    /** For tests: the names registered now, in the order they would run. */
    static synchronized List<String> pending() {
        List<String> names = new ArrayList<>();
        for (Stage s : Stage.values()) {
            ACTIONS.getOrDefault(s, List.of()).forEach(a -> names.add(s + ":" + a.name()));
        }
        return names;
    }

    /** For tests: as when a signal has arrived and the hook has taken its list (undone by {@link #runForTest}). */
    static synchronized void beginForTest() {
        running = true;
    }

    /** For tests: runs what is registered as the hook would, in order. */
    static void runForTest() {
        runAll();
        synchronized (Shutdown.class) {
            running = false;
            ACTIONS.clear();
        }
    }
}
