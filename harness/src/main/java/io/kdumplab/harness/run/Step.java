package io.kdumplab.harness.run;

import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;

/**
 * One named, bounded action of a run. The runner gives it a deadline,
 * enforces its timeout, and classes its failure: a timeout or a lost link is
 * an infrastructure error of {@link #component()}; a remote command that ran
 * and exited non-zero is classed by {@link #remoteCommandFailure()}.
 */
public interface Step<T> {
    /** What a remote command that exited non-zero means in this step. */
    enum RemoteFailure {
        /** the host's software or state refused (an infrastructure error of the step's component) */
        INFRASTRUCTURE,
        /** kdump is not usable on this host: a precondition, not a verdict */
        KDUMP_NOT_READY
    }

    String name();

    /** The step's own limit (most come from the scenario's timeouts). */
    Duration timeout(RunContext ctx);

    /** The component blamed when the step times out or loses its link: "ssh", "bmc", "console", "host". */
    String component();

    default RemoteFailure remoteCommandFailure() {
        return RemoteFailure.INFRASTRUCTURE;
    }

    T run(RunContext ctx, Deadline deadline) throws Exception;
}
