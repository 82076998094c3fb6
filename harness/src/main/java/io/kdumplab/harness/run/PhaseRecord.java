package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import java.time.Instant;

/**
 * A phase of the panic path seen on the console (or an event the harness caused), with its time; `consoleLine` is the
 * console line's index when a line showed it.
 */
public record PhaseRecord(Phase phase, Instant at, Long consoleLine, String text) {}
