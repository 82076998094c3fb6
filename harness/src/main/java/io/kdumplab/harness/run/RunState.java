package io.kdumplab.harness.run;

import io.kdumplab.harness.util.ProcessIdentity;

import java.util.List;
import java.util.Optional;

/**
 * What a run is now, from its result.json and what came after it: finished or interrupted as it says, running while
 * its process lives, and abandoned when it says "running" but cannot be: its process is gone (killed with -9), or its
 * host was since used by another run. A result is never "running" forever.
 */
public record RunState(Kind kind, String why) {
    public enum Kind { FINISHED, INTERRUPTED, RUNNING, ABANDONED, UNKNOWN }

    /** `others`: other runs' results (a later run on the same host proves this one is over). */
    public static RunState of(RunResult r, List<RunResult> others, ProcessIdentity.Proc proc) {
        if ("finished".equals(r.status)) {
            return new RunState(Kind.FINISHED, null);
        }
        if ("interrupted".equals(r.status)) {
            return new RunState(Kind.INTERRUPTED, null);
        }
        Optional<RunResult> later = others.stream().filter(o -> o != r && o.startedAt != null && r.startedAt != null
                && o.startedAt.isAfter(r.startedAt) && o.target != null && r.target != null && o.target.host != null
                && o.target.host.equals(r.target.host)).min(java.util.Comparator.comparing((RunResult o) -> o.startedAt));
        if (later.isPresent()) {
            return new RunState(Kind.ABANDONED, "its host " + r.target.host + " was used by run " + later.get().runId
                    + " since " + later.get().startedAt);
        }
        RunResult.Orchestrator o = r.orchestrator;
        if (o == null) {
            return new RunState(Kind.UNKNOWN, "its result says running and names no process (an older harness)");
        }
        if (!machine().equals(o.machine())) {
            return new RunState(Kind.RUNNING, "on " + o.machine() + " (pid " + o.pid() + "; not checked from here)");
        }
        Optional<String> gone = new ProcessIdentity(o.pid(), o.startTicks(), o.bootId()).whyNotRunning(proc);
        return gone.map(w -> new RunState(Kind.ABANDONED, "its process (pid " + o.pid() + ") is gone: " + w))
                .orElseGet(() -> new RunState(Kind.RUNNING, "pid " + o.pid() + " on this machine"));
    }

    public static RunState of(RunResult r, List<RunResult> others) {
        return of(r, others, ProcessIdentity.Proc.LINUX);
    }

    /** This machine's name, as results record it. */
    public static String machine() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** For a table cell: the verdict when there is one, else the state. */
    public static String label(RunResult r, RunState s) {
        if (r.verdict != null) {
            return r.verdict.name();
        }
        return s.kind().name() + (s.why() == null ? "" : " (" + s.why() + ")");
    }
}
