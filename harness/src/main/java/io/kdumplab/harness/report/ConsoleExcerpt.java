package io.kdumplab.harness.report;

import io.kdumplab.harness.run.PhaseRecord;
import io.kdumplab.harness.run.RunResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The console lines around the trigger, with the run's phase markers interleaved. */
public final class ConsoleExcerpt {
    private ConsoleExcerpt() {}

    public record Line(long epochMillis, String text, String marker) {}

    public static List<Line> lines(RunArtifacts a, int before, int after) {
        List<FloodTelemetry.TimedLine> all = a.lines();
        RunResult r = a.result();
        Long trigger = r == null || r.triggerAt == null ? null : r.triggerAt.toEpochMilli();
        int center = all.size();
        if (trigger != null) {
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).epochMillis() > trigger) {
                    center = i;
                    break;
                }
            }
        } else {
            center = Math.max(0, all.size() - after);
        }
        int from = Math.max(0, center - before);
        int to = Math.min(all.size(), center + after);
        List<Line> out = new ArrayList<>();
        List<PhaseRecord> phases = r == null ? List.of() : r.phases;
        int p = 0;
        List<PhaseRecord> sorted = new ArrayList<>(phases);
        sorted.sort(java.util.Comparator.comparing(PhaseRecord::at));
        for (int i = from; i < to; i++) {
            FloodTelemetry.TimedLine l = all.get(i);
            while (p < sorted.size() && sorted.get(p).at().toEpochMilli() <= l.epochMillis()) {
                PhaseRecord ph = sorted.get(p++);
                if (ph.at().toEpochMilli() >= (i == from ? 0 : all.get(from).epochMillis())) {
                    out.add(new Line(ph.at().toEpochMilli(), "", ph.phase().name()));
                }
            }
            out.add(new Line(l.epochMillis(), l.text(), null));
        }
        return out;
    }

    public static String around(RunArtifacts a, int before, int after) {
        StringBuilder b = new StringBuilder();
        for (Line l : lines(a, before, after)) {
            if (l.marker() != null) {
                b.append(">>> ").append(l.marker()).append(" at ").append(Instant.ofEpochMilli(l.epochMillis())).append('\n');
            } else {
                b.append(l.text().replaceAll("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]", "")).append('\n');
            }
        }
        return b.toString();
    }
}
