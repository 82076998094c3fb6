package io.kdumplab.harness.run;

import java.time.Instant;

/**
 * The moment of the trigger, as later steps need it: which boot, the guest's clock, where the console stood, how
 * many NMIs the host had handled (/proc/interrupts; -1 unknown), so that an NMI that never arrived can be told apart,
 * and where the BMC's event log ended (null: not read), so that what the BMC logged after it can be reported.
 */
public record TriggerPoint(String bootIdBefore, long guestClockSeconds, int consoleLine, Instant at, long nanos, long cpuNanos,
                           long nmiCountBefore, Integer eventLogMark) {
    /** Sums the NMI row of /proc/interrupts over the CPUs; with the guest's clock first: one command before the trigger. */
    static final String CLOCK_AND_NMI_COUNT = "date +%s; awk '/^ *NMI:/ {s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) "
            + "s += $i; print s}' /proc/interrupts";

    static long nmiCount(String line) {
        return line != null && line.strip().matches("\\d+") ? Long.parseLong(line.strip()) : -1;
    }
}
