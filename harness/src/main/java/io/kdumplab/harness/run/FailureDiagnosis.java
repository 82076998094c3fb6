package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.device.ConsoleSource;
import io.kdumplab.harness.device.ConsoleGap;
import io.kdumplab.harness.device.ConsoleLine;
import io.kdumplab.harness.verdict.Diagnoses;
import io.kdumplab.harness.verdict.Diagnosis;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Gathers, from the run's result and its console, what {@link Diagnoses} needs to say where a FAIL stopped. */
final class FailureDiagnosis {
    private FailureDiagnosis() {}

    static Diagnosis of(RunResult r, Optional<ConsoleSource> consoleSource, TriggerPoint trigger, WatchOutcome.Watched watched) {
        List<ConsoleLine> lines = consoleSource.map(ConsoleSource::lines).orElse(List.of());
        int from = Math.min(trigger.consoleLine(), lines.size());
        // the stop: where our power cycle began, else the reboot that followed, else the end of the log
        int stop = stopLine(lines, from, watched.powerCycleLine());
        List<String> window = lines.subList(from, stop).stream().map(ConsoleLine::text)
                .filter(t -> !t.startsWith(ConsoleGap.MARK)).toList();
        Optional<ConsoleLine> captureBanner = find(lines, from, stop, Phase.CAPTURE_KERNEL.pattern().pattern());
        List<String> captureLines = captureBanner.map(b -> lines.subList(b.index(), stopOf(lines, stop)).stream()
                .map(ConsoleLine::text).toList()).orElse(List.of());
        String firstPanic = find(lines, from, captureBanner.map(ConsoleLine::index).orElse(stop), io.kdumplab.harness.verdict.KernelMessages.PANIC_BANNER)
                .map(ConsoleLine::text).orElse(null);
        long printedBefore = lines.subList(0, from).stream()
                .filter(l -> Phase.SPAMMER_ON.pattern().matcher(l.text()).find()).count();
        Long spacing = r.nmiSentAt.size() >= 2
                ? Duration.between(r.nmiSentAt.get(0), r.nmiSentAt.get(1)).toMillis() : null;
        List<Phase> phases = r.phases.stream().filter(p -> p.phase() != Phase.POWER_CYCLE
                && p.phase() != Phase.SSH_BACK && (p.consoleLine() == null || p.consoleLine() < stopOf(lines, stop)))
                .map(PhaseRecord::phase).toList();
        return Diagnoses.diagnose(new Diagnoses.Input(watched.outcome(), phases, r.evidence != null,
                watched.terminal() == null ? null : watched.terminal().text(), captureLines, window, firstPanic,
                r.target.crashKernelReservedBytes, r.target.captureKernelCmdline, r.console.spammerEmittedAtTrigger,
                printedBefore, r.nmiSentAt.size(), spacing, r.trigger, r.target.dumpTarget, r.target.dumpTargetProblem,
                r.evidence != null && Boolean.TRUE.equals(r.evidence.incomplete),
                r.bmcEvents == null ? List.of() : r.bmcEvents.stream().map(io.kdumplab.harness.device.BmcEvent::describe).toList()));
    }

    private static int stopLine(List<ConsoleLine> lines, int from, int powerCycleLine) {
        if (powerCycleLine >= 0) {
            return Math.min(powerCycleLine, lines.size());
        }
        Optional<ConsoleLine> capture = find(lines, from, lines.size(), Phase.CAPTURE_KERNEL.pattern().pattern());
        int rebootFrom = capture.map(l -> l.index() + 1).orElse(from);
        return find(lines, rebootFrom, lines.size(), io.kdumplab.harness.verdict.KernelMessages.NORMAL_BOOT).map(ConsoleLine::index).orElse(lines.size());
    }

    private static int stopOf(List<ConsoleLine> lines, int stop) {
        return Math.min(stop, lines.size());
    }

    private static Optional<ConsoleLine> find(List<ConsoleLine> lines, int from, int to, String regex) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        for (int i = Math.max(0, from); i < Math.min(to, lines.size()); i++) {
            if (p.matcher(lines.get(i).text()).find()) {
                return Optional.of(lines.get(i));
            }
        }
        return Optional.empty();
    }
}
