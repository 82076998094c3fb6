package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.device.ConsoleSource;

import java.time.Instant;
import java.util.Optional;

/** Reads the panic path's phases off the console after the trigger, and the last one the path reached by itself. */
final class ConsolePhases {
    private ConsolePhases() {}

    static void collect(RunRecorder recorder, ConsoleSource console, int triggerLine, int powerCycleLine) {
        for (Phase p : new Phase[] {Phase.NMI_SEEN, Phase.PANIC, Phase.CAPTURE_KERNEL, Phase.DUMP_SAVING, Phase.DUMP_SAVED,
                Phase.REBOOT}) {
            int from = triggerLine;
            if (p == Phase.REBOOT) {
                // the reboot that ends the run: a normal boot after the capture kernel (or after the trigger)
                from = console.find(Phase.CAPTURE_KERNEL.pattern(), triggerLine).map(l -> l.index() + 1).orElse(triggerLine);
            }
            int limit = powerCycleLine < 0 ? Integer.MAX_VALUE : powerCycleLine;
            console.find(p.pattern(), from).filter(l -> l.index() < limit).ifPresent(l -> recorder.phase(p, l));
        }
        recorder.update(r -> {
            r.phases.sort(java.util.Comparator.comparing(PhaseRecord::at));
            // The last phase the panic path reached by itself: anything after our power cycle is the recovery's.
            Optional<Instant> cycle = r.phases.stream().filter(x -> x.phase() == Phase.POWER_CYCLE).map(PhaseRecord::at).findFirst();
            r.lastPhase = r.phases.stream()
                    .filter(x -> x.phase() != Phase.POWER_CYCLE && x.phase() != Phase.SSH_BACK)
                    .filter(x -> cycle.isEmpty() || x.at().isBefore(cycle.get()))
                    .reduce((a, b) -> b).map(PhaseRecord::phase).orElse(null);
        });
    }
}
