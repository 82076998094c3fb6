package io.kdumplab.harness.report;

import io.kdumplab.harness.run.PhaseRecord;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.StepRecord;
import io.kdumplab.harness.util.AtomicFiles;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * reports/<run-id>/index.html: one self-contained page (inline CSS, SVG and a
 * few lines of JS, no network assets) that shows at a glance what happened
 * and when: verdict, step timeline, phases, the console around the NMI, and
 * the console-flood plots.
 */
public final class HtmlReport {
    private HtmlReport() {}

    public static void write(RunArtifacts a) {
        AtomicFiles.write(a.dir().resolve("index.html"), render(a));
    }

    public static String render(RunArtifacts a) {
        RunResult r = a.result();
        StringBuilder h = new StringBuilder();
        String verdict = r == null || r.verdict == null ? "INCOMPLETE" : r.verdict.name();
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=icon href=\"data:,\"><title>")
                .append(esc(verdict)).append(" - ").append(esc(r == null ? a.dir().getFileName().toString() : r.runId))
                .append("</title><style>").append(CSS).append("</style></head><body>");
        h.append("<div class=\"banner ").append(verdict.toLowerCase(Locale.ROOT)).append("\"><span class=\"verdict\">")
                .append(esc(verdict)).append("</span> ").append(esc(r == null ? "" : String.valueOf(r.reason))).append("</div>");
        if (!a.problems().isEmpty()) {
            h.append("<div class=\"problems\"><b>This run directory is incomplete:</b><ul>");
            a.problems().forEach(p -> h.append("<li>").append(esc(p)).append("</li>"));
            h.append("</ul></div>");
        }
        if (r != null) {
            h.append("<table class=\"facts\">");
            fact(h, "run", r.runId);
            fact(h, "host", r.target.host == null ? String.valueOf(r.inputs.get("host")) : r.target.host);
            fact(h, "kernel", r.target.kernel);
            fact(h, "scenario", JUnitReport.scenarioName(r) + ", trigger " + r.trigger
                    + (r.nmiSentAt.size() > 1 ? " x" + r.nmiSentAt.size() : ""));
            fact(h, "console", r.console.source);
            fact(h, "started", r.startedAt == null ? null : r.startedAt.toString());
            fact(h, "duration", r.durationSeconds == null ? "-" : String.format(Locale.ROOT, "%.1f s", r.durationSeconds));
            fact(h, "failed step", r.failedStep);
            fact(h, "last phase", r.lastPhase == null ? null : r.lastPhase.name());
            fact(h, "host back in service", r.hostBackInService == null ? null : r.hostBackInService.toString());
            h.append("</table>");
        }
        if (r != null && r.diagnosis != null) {
            h.append(diagnosis(r.diagnosis));
        }
        h.append("<p class=\"links\"><a href=\"console.log\">console.log</a> <a href=\"result.json\">result.json</a> "
                + "<a href=\"harness.log\">harness.log</a> <a href=\"junit.xml\">junit.xml</a> <a href=\"../index.html\">all runs</a></p>");
        if (r != null) {
            h.append("<h2>Steps</h2>").append(timeline(r));
            h.append("<h2>Phases</h2><table class=\"grid\"><tr><th>phase</th><th>at</th><th>+s from trigger</th><th>console</th></tr>");
            Long trig = r.triggerAt == null ? null : r.triggerAt.toEpochMilli();
            for (PhaseRecord p : sortedPhases(r)) {
                long at = p.at().toEpochMilli();
                h.append("<tr><td class=\"phase\">").append(esc(p.phase().name())).append("</td><td>").append(esc(p.at().toString()))
                        .append("</td><td>").append(trig == null ? "" : String.format(Locale.ROOT, "%+.1f", (at - trig) / 1000.0))
                        .append("</td><td class=\"mono\">").append(esc(p.text() == null ? "" : p.text())).append("</td></tr>");
            }
            h.append("</table>");
        }
        FloodTelemetry.Summary t = FloodTelemetry.compute(a.lines(),
                r == null || r.triggerAt == null ? null : r.triggerAt.toEpochMilli(),
                r == null ? null : r.console.spammerEmittedAtTrigger);
        h.append("<h2>Console flood</h2>");
        h.append("<table class=\"facts\">");
        fact(h, "spammer messages printed on the console", Long.toString(t.printed()));
        fact(h, "emitted at the trigger (module counter)", t.emittedAtTrigger() == null ? "-" : t.emittedAtTrigger().toString());
        fact(h, "printed before the trigger", t.printedBeforeTrigger() == null ? "-" : t.printedBeforeTrigger().toString());
        fact(h, "console backlog at the trigger", t.backlogAtTrigger() == null ? "-" : t.backlogAtTrigger() + " messages");
        fact(h, "dropped, per the kernel (** N printk messages dropped **)", Long.toString(t.kernelDropped()));
        fact(h, "missing between printed sequence numbers", Long.toString(t.seqGaps()));
        h.append("</table>");
        h.append("<div class=\"plots\">").append(linesPerSecondPlot(t, r)).append(cumulativePlot(t, r)).append("</div>");
        h.append("<h2>Console around the trigger</h2><pre class=\"console\">");
        for (ConsoleExcerpt.Line l : ConsoleExcerpt.lines(a, 20, 60)) {
            if (l.marker() != null) {
                h.append("<span class=\"marker\">&#9654; ").append(esc(l.marker())).append(" at ")
                        .append(Instant.ofEpochMilli(l.epochMillis())).append("</span>\n");
            } else {
                h.append(esc(l.text().replaceAll("\u001b\\[[0-9;]*m", ""))).append('\n');
            }
        }
        h.append("</pre>");
        if (r != null && r.evidence != null) {
            h.append("<h2>vmcore evidence</h2><table class=\"facts\">");
            fact(h, "path", r.evidence.vmcorePath);
            fact(h, "found on", r.evidence.foundOn);
            fact(h, "dump target", r.target.dumpTarget);
            fact(h, "size", r.evidence.vmcoreSize == null ? null : r.evidence.vmcoreSize + " bytes"
                    + (Boolean.TRUE.equals(r.evidence.incomplete) ? " (left incomplete)" : ""));
            fact(h, "readable (" + r.evidence.readWith + ")", String.valueOf(r.evidence.readable));
            fact(h, "panic message (from the dump)", r.evidence.panicMessage);
            fact(h, "capture kernel command line", r.target.captureKernelCmdline);
            h.append("</table><pre class=\"console\">");
            r.evidence.lastKernelLines.forEach(l -> h.append(esc(l)).append('\n'));
            h.append("</pre>");
        }
        if (r != null && r.bmcEvents != null) {
            h.append("<h2>BMC event log from the trigger on</h2>");
            if (r.bmcEvents.isEmpty()) {
                h.append("<p>nothing logged</p>");
            } else {
                h.append("<table class=\"grid\"><tr><th>record</th><th>BMC time</th><th>sensor</th><th>event</th></tr>");
                r.bmcEvents.forEach(e -> h.append("<tr><td>").append(e.recordId()).append("</td><td>").append(esc(e.timestamp()))
                        .append("</td><td>").append(esc(e.sensor())).append("</td><td>").append(esc(e.event())).append("</td></tr>"));
                h.append("</table>");
            }
        }
        h.append("<script>").append(CANARY).append("</script></body></html>\n");
        return h.toString();
    }

    // ------------------------------------------------------------------ pieces

    private static List<PhaseRecord> sortedPhases(RunResult r) {
        List<PhaseRecord> p = new ArrayList<>(r.phases);
        p.sort(java.util.Comparator.comparing(PhaseRecord::at));
        return p;
    }

    /** Steps as bars on the run's time axis, phases as ticks. */
    private static String timeline(RunResult r) {
        if (r.steps.isEmpty() || r.startedAt == null) {
            return "<p>no steps recorded</p>";
        }
        long start = r.startedAt.toEpochMilli();
        long end = r.finishedAt != null ? r.finishedAt.toEpochMilli() : start;
        for (StepRecord s : r.steps) {
            end = Math.max(end, Instant.parse(s.startedAt).toEpochMilli() + (s.durationMillis == null ? 0 : s.durationMillis));
        }
        double span = Math.max(1, end - start);
        int w = 900;
        int left = 130;
        int rowH = 22;
        int hgt = rowH * r.steps.size() + 70;
        StringBuilder s = new StringBuilder("<svg class=\"timeline\" width=\"" + (w + left + 20) + "\" height=\"" + hgt
                + "\" xmlns=\"http://www.w3.org/2000/svg\">");
        int y = 10;
        for (StepRecord st : r.steps) {
            double x0 = left + w * (Instant.parse(st.startedAt).toEpochMilli() - start) / span;
            double bw = Math.max(2, w * (st.durationMillis == null ? 0 : st.durationMillis) / span);
            String cls = "ok".equals(st.status) ? "ok" : "skipped".equals(st.status) ? "skip" : "bad";
            s.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\">%s</text><rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\"><title>%s</title></rect>"
                            + "<text x=\"%.1f\" y=\"%d\" class=\"small\">%.1f s / %d s</text>",
                    y + 11, esc(st.name), cls, x0, y, bw, esc(st.name + ": " + st.status + (st.detail == null ? "" : " - " + st.detail)),
                    Math.min(x0 + bw + 4, left + w - 60), y + 11,
                    (st.durationMillis == null ? 0 : st.durationMillis) / 1000.0, st.timeoutSeconds));
            y += rowH;
        }
        int i = 0;
        for (PhaseRecord p : sortedPhases(r)) {
            double x = left + w * (p.at().toEpochMilli() - start) / span;
            s.append(String.format(Locale.ROOT, "<line class=\"phase\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%d\"><title>%s %s</title></line>",
                    x, x, y, esc(p.phase().name()), esc(p.at().toString())));
            // labels under the axis, on three staggered rows so neighbours do not overlap
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"phaselabel\">%s</text>",
                    Math.min(x, left + w - 70.0), y + 30 + (i++ % 3) * 11, esc(p.phase().name())));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"small\">0 s</text><text x=\"%d\" y=\"%d\" class=\"small\">%.0f s</text>",
                left, y + 16, left + w - 30, y + 16, span / 1000));
        return s.append("</svg>").toString();
    }

    private static String linesPerSecondPlot(FloodTelemetry.Summary t, RunResult r) {
        List<long[]> ps = t.perSecond();
        int w = 640;
        int hgt = 220;
        StringBuilder s = new StringBuilder("<figure><svg class=\"plot\" id=\"plot-lines\" width=\"" + w + "\" height=\"" + hgt
                + "\" xmlns=\"http://www.w3.org/2000/svg\">");
        long max = Math.max(1, ps.stream().mapToLong(x -> x[1]).max().orElse(1));
        int n = Math.max(1, ps.size());
        double bw = (w - 50.0) / n;
        for (int i = 0; i < ps.size(); i++) {
            double bh = (hgt - 40.0) * ps.get(i)[1] / max;
            double sh = (hgt - 40.0) * ps.get(i)[2] / max;
            s.append(String.format(Locale.ROOT, "<rect class=\"all\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                    45 + i * bw, hgt - 20 - bh, Math.max(1, bw - 0.5), bh));
            s.append(String.format(Locale.ROOT, "<rect class=\"spam\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                    45 + i * bw, hgt - 20 - sh, Math.max(1, bw - 0.5), sh));
        }
        markers(s, r, ps.isEmpty() ? 0 : ps.get(0)[0] * 1000, n * 1000L, 45, w - 50, hgt);
        s.append(axis(w, hgt, max, "lines/s"));
        return s.append("</svg><figcaption>Console lines per second (dark: spammer messages); vertical lines: phases</figcaption></figure>").toString();
    }

    private static String cumulativePlot(FloodTelemetry.Summary t, RunResult r) {
        List<long[]> ps = t.perSecond();
        int w = 640;
        int hgt = 220;
        StringBuilder s = new StringBuilder("<figure><svg class=\"plot\" id=\"plot-flood\" width=\"" + w + "\" height=\"" + hgt
                + "\" xmlns=\"http://www.w3.org/2000/svg\">");
        long total = 0;
        List<Long> cum = new ArrayList<>();
        for (long[] p : ps) {
            total += p[2];
            cum.add(total);
        }
        long emitted = t.emittedAtTrigger() == null ? 0 : t.emittedAtTrigger();
        long max = Math.max(1, Math.max(total, emitted));
        int n = Math.max(1, ps.size());
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < cum.size(); i++) {
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", 45 + (w - 50.0) * (i + 1) / n, hgt - 20 - (hgt - 40.0) * cum.get(i) / max));
        }
        s.append("<polyline class=\"printed\" points=\"").append(pts).append("\"/>");
        if (t.emittedAtTrigger() != null && r != null && r.triggerAt != null && !ps.isEmpty()) {
            double x = 45 + (w - 50.0) * (r.triggerAt.toEpochMilli() - ps.get(0)[0] * 1000) / (n * 1000.0);
            double yE = hgt - 20 - (hgt - 40.0) * emitted / max;
            double yP = hgt - 20 - (hgt - 40.0) * (t.printedBeforeTrigger() == null ? 0 : t.printedBeforeTrigger()) / max;
            s.append(String.format(Locale.ROOT, "<circle class=\"emitted\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\"><title>emitted at the trigger: %d</title></circle>", x, yE, emitted));
            s.append(String.format(Locale.ROOT, "<line class=\"backlog\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>backlog at the trigger: %d</title></line>",
                    x, yE, x, yP, t.backlogAtTrigger()));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" class=\"small\">backlog %d</text>", x + 6, (yE + yP) / 2, t.backlogAtTrigger()));
        }
        markers(s, r, ps.isEmpty() ? 0 : ps.get(0)[0] * 1000, n * 1000L, 45, w - 50, hgt);
        s.append(axis(w, hgt, max, "messages"));
        return s.append("</svg><figcaption>Spammer messages printed on the console (cumulative) vs emitted at the trigger "
                + "(dot, module counter): the gap is the console backlog when the NMI hit. Dropped per the kernel: "
                + t.kernelDropped() + "</figcaption></figure>").toString();
    }

    private static void markers(StringBuilder s, RunResult r, long t0, long spanMs, int left, int width, int hgt) {
        if (r == null || spanMs <= 0) {
            return;
        }
        for (PhaseRecord p : sortedPhases(r)) {
            double x = left + width * (double) (p.at().toEpochMilli() - t0) / spanMs;
            if (x < left || x > left + width) {
                continue;
            }
            s.append(String.format(Locale.ROOT, "<line class=\"phase\" x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\"><title>%s</title></line>",
                    x, x, hgt - 20, esc(p.phase().name())));
        }
    }

    private static String axis(int w, int hgt, long max, String unit) {
        return String.format(Locale.ROOT, "<line class=\"axis\" x1=\"45\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/><line class=\"axis\" x1=\"45\" y1=\"10\" x2=\"45\" y2=\"%d\"/>"
                        + "<text x=\"2\" y=\"18\" class=\"small\">%d</text><text x=\"2\" y=\"%d\" class=\"small\">0</text><text x=\"50\" y=\"%d\" class=\"small\">%s</text>",
                hgt - 20, w - 5, hgt - 20, hgt - 20, max, hgt - 20, hgt - 4, unit + " over the run's seconds");
    }

    private static void fact(StringBuilder h, String k, String v) {
        if (v == null) {
            return;
        }
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>");
    }

    /** Where the panic path stopped, why, what to do, the facts, and the last kernel lines. */
    static String diagnosis(io.kdumplab.harness.verdict.Diagnosis d) {
        StringBuilder h = new StringBuilder("<div class=\"diagnosis\" id=\"diagnosis\"><h2>Diagnosis</h2><table class=\"facts\">");
        fact(h, "stopped", d.stoppedAt().words());
        fact(h, "summary", d.summary());
        fact(h, "cause", d.cause());
        fact(h, "remedy", d.remedy());
        fact(h, "panic message", d.panicMessage());
        d.facts().forEach((k, v) -> fact(h, k, String.valueOf(v)));
        h.append("</table>");
        if (!d.lastKernelLines().isEmpty()) {
            h.append("<p>Last console lines before the stop:</p><pre class=\"console\">");
            d.lastKernelLines().forEach(l -> h.append(esc(l)).append("\n"));
            h.append("</pre>");
        }
        return h.append("</div>").toString();
    }

    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    public static final String CSS = String.join("\n",
            "body{font-family:system-ui,sans-serif;margin:16px;color:#222;max-width:1150px}",
            ".banner{padding:12px 16px;border-radius:6px;font-size:18px;color:#fff}",
            ".banner .verdict{font-weight:bold;font-size:22px;margin-right:8px}",
            ".pass{background:#2e7d32}.fail{background:#c62828}.infra_error,.kdump_not_ready{background:#ef6c00}.incomplete{background:#616161}",
            ".problems{background:#fff3e0;border:1px solid #ef6c00;padding:8px;margin:8px 0}",
            "table.facts th{text-align:left;padding-right:12px;font-weight:600;vertical-align:top}",
            "table.grid{border-collapse:collapse}table.grid td,table.grid th{border:1px solid #ddd;padding:3px 6px;font-size:13px}",
            ".mono,pre{font-family:ui-monospace,monospace;font-size:12px}",
            "pre.console{background:#111;color:#ddd;padding:8px;overflow-x:auto;max-height:520px}",
            ".marker{color:#ffeb3b;font-weight:bold}",
            "svg text{font-size:12px}svg .small{font-size:10px;fill:#555}",
            "rect.ok{fill:#66bb6a}rect.bad{fill:#e53935}rect.skip{fill:#bdbdbd}",
            "line.phase{stroke:#6a1b9a;stroke-width:1.5;stroke-dasharray:3,2}line.axis{stroke:#555}",
            "svg .phaselabel{font-size:9px;fill:#6a1b9a}",
            "rect.all{fill:#90caf9}rect.spam{fill:#1565c0}polyline.printed{fill:none;stroke:#1565c0;stroke-width:2}",
            "circle.emitted{fill:#c62828}line.backlog{stroke:#c62828;stroke-width:3}",
            ".plots{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-size:12px;color:#555;max-width:640px}",
            ".links a{margin-right:12px}");

    /** Lets a headless browser tell a broken page (JS errors, missing plots) from a good one. */
    static final String CANARY = "(function(){var errs=[];window.addEventListener('error',function(e){errs.push(e.message);"
            + "document.body.setAttribute('data-js-errors',errs.join(' | '));});"
            + "var plots=document.querySelectorAll('svg.plot');var ok=plots.length>=2;"
            + "plots.forEach(function(p){if(!p.querySelector('rect,polyline'))ok=false;});"
            + "document.body.setAttribute('data-report',ok?'ok':'missing-plots');})();";
}
