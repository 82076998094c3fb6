package io.kdumplab.harness.nightly;

import io.kdumplab.harness.lease.Hold;
import io.kdumplab.harness.device.Fence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * Cells whose run is a fixed sleep, for the engine's own tests and benchmark
 * (the engine and the database are real; only the host work is simulated). The
 * "NMI" half-way is the fenced action: it happens only after the lease's check,
 * and is logged to an events file when one is given, as are power cycles, so a
 * test can prove that an orchestrator that lost its lease fired nothing.
 */
public final class SimulatedCells implements CellRunner, HostControl {
    private final Duration cellTime;
    private final Path events;
    private final String who;

    public SimulatedCells(Duration cellTime, Path events, String who) {
        this.cellTime = cellTime;
        this.events = events;
        this.who = who;
    }

    @Override
    public CellResult run(CellRow cell, CellRow next, Fence fence) {
        sleep(cellTime.dividedBy(2));
        fence.check("the NMI of cell " + cell.key());
        event("NMI " + cell.key());
        sleep(cellTime.dividedBy(2));
        return new CellResult(io.kdumplab.harness.verdict.Verdict.PASS, "simulated cell: slept " + cellTime.toMillis() + " ms", null, cell.build());
    }

    @Override
    public String healthProblem(String host) {
        return events != null && Files.exists(events.resolveSibling(host + ".unhealthy")) ? "simulated: " + host + " marked unhealthy"
                : null;
    }

    @Override
    public void powerCycle(String host, Fence fence) {
        fence.check("a power cycle of " + host);
        event("POWER_CYCLE " + host);
    }

    /** A simulated host has nothing to claim: the database lease is its only hold. */
    @Override
    public Hold claim(String host, String night, String databaseFence, Duration wait, Duration reach) {
        return Hold.of(Fence.NONE);
    }

    private void event(String what) {
        if (events == null) {
            return;
        }
        try {
            Files.writeString(events, Instant.now() + " " + who + " " + what + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the events file is a test's observation point, not part of the engine
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.kdumplab.harness.failure.CancelledException("the orchestrator is stopping");
        }
    }
}
