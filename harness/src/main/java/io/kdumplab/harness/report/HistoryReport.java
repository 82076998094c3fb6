package io.kdumplab.harness.report;

import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * reports/index.html: every run (host, kernel, scenario, verdict, duration),
 * filterable, with the repro rate per kernel and host. The repro rate counts
 * FAIL among PASS+FAIL only: infrastructure errors are not verdicts.
 */
public final class HistoryReport {
    private HistoryReport() {}

    public static void write(Path reportsRoot) {
        List<RunResult> runs = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(reportsRoot)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory).sorted(Comparator.reverseOrder())::iterator) {
                Path f = d.resolve("result.json");
                if (Files.exists(f)) {
                    try {
                        runs.add(RunResult.read(f));
                    } catch (IOException ignored) {
                        // a half-written run; its own page says so
                    }
                }
            }
        } catch (IOException e) {
            return;
        }
        AtomicFiles.write(reportsRoot.resolve("index.html"), render(runs, Series.readAll(reportsRoot)));
    }

    static String render(List<RunResult> runs) {
        return render(runs, List.of());
    }

    static String render(List<RunResult> runs, List<Series> series) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=icon href=\"data:,\"><title>kdump harness runs</title><style>")
                .append(HtmlReport.CSS)
                .append("tr.PASS td.v{color:#2e7d32;font-weight:bold}tr.FAIL td.v{color:#c62828;font-weight:bold}tr.INFRA_ERROR td.v,tr.KDUMP_NOT_READY td.v{color:#ef6c00}tr.ABANDONED td.v{color:#777}")
                .append("</style></head><body><h1>Runs</h1>");
        Map<String, int[]> rate = new TreeMap<>();
        for (RunResult r : runs) {
            if (r.verdict != null && r.verdict.judgesTheKernel()) {
                // per scenario too: a control or a fault-injection run must not dilute the experiment's rate
                int[] c = rate.computeIfAbsent(nz(r.target.kernel) + " on " + nz(r.target.host) + " — "
                        + JUnitReport.scenarioName(r), k -> new int[2]);
                c[0] += r.verdict == io.kdumplab.harness.verdict.Verdict.FAIL ? 1 : 0;
                c[1]++;
            }
        }
        h.append("<h2>Repro rate per kernel and host</h2><table class=\"grid\" id=\"rates\"><tr><th>kernel on host — scenario</th><th>FAIL</th><th>judged runs</th><th>repro rate</th></tr>");
        rate.forEach((k, c) -> h.append("<tr><td>").append(HtmlReport.esc(k)).append("</td><td>").append(c[0]).append("</td><td>")
                .append(c[1]).append("</td><td>").append(String.format(Locale.ROOT, "%.0f%%", 100.0 * c[0] / c[1])).append("</td></tr>"));
        if (!series.isEmpty()) {
            h.append("</table><h2>Series (repro --runs)</h2><table class=\"grid\" id=\"series\"><tr><th>series</th><th>host</th>"
                    + "<th>kernel</th><th>scenario</th><th>verdicts</th><th>repro rate (95% CI)</th><th>not judged</th></tr>");
            for (Series x : series) {
                h.append("<tr><td><a href=\"series/").append(HtmlReport.esc(x.seriesId)).append(".json\">")
                        .append(HtmlReport.esc(x.seriesId)).append("</a></td><td>").append(HtmlReport.esc(nz(x.host))).append("</td><td>")
                        .append(HtmlReport.esc(nz(x.kernel))).append("</td><td>").append(HtmlReport.esc(nz(x.scenario))).append("</td><td>")
                        .append(HtmlReport.esc(String.valueOf(x.verdicts))).append("</td><td>")
                        .append(x.reproRate == null ? "n/a" : String.format(Locale.ROOT, "%d/%d = %.0f%% (%.0f%%-%.0f%%)", x.failures,
                                x.judged, 100 * x.reproRate, 100 * x.reproRateLow95, 100 * x.reproRateHigh95))
                        .append("</td><td>").append(x.notJudged.size()).append("</td></tr>");
            }
        }
        h.append("</table><h2>All runs</h2><p><input id=\"filter\" placeholder=\"filter: host, kernel, scenario, verdict\" size=\"50\"></p>");
        h.append("<table class=\"grid\" id=\"runs\"><tr><th>run</th><th>host</th><th>kernel</th><th>scenario</th><th>verdict</th><th>reason</th><th>duration</th></tr>");
        for (RunResult r : runs) {
            // a result left "running" by a process that is gone is shown as abandoned, never as running forever
            io.kdumplab.harness.run.RunState state = io.kdumplab.harness.run.RunState.of(r, runs);
            String label = io.kdumplab.harness.run.RunState.label(r, state);
            h.append("<tr class=\"").append(HtmlReport.esc(r.verdict == null ? state.kind().name() : r.verdict.name())).append("\"><td><a href=\"").append(HtmlReport.esc(r.runId))
                    .append("/index.html\">").append(HtmlReport.esc(r.runId)).append("</a></td><td>").append(HtmlReport.esc(nz(r.target.host)))
                    .append("</td><td>").append(HtmlReport.esc(nz(r.target.kernel))).append("</td><td>")
                    .append(HtmlReport.esc(JUnitReport.scenarioName(r))).append("</td><td class=\"v\">").append(HtmlReport.esc(label))
                    .append("</td><td>").append(HtmlReport.esc(nz(r.reason))).append("</td><td>")
                    .append(r.durationSeconds == null ? "" : String.format(Locale.ROOT, "%.0f s", r.durationSeconds)).append("</td></tr>");
        }
        h.append("</table><script>document.getElementById('filter').addEventListener('input',function(e){var q=e.target.value.toLowerCase();"
                + "document.querySelectorAll('#runs tr').forEach(function(tr,i){if(i===0)return;tr.style.display=tr.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});"
                + "document.body.setAttribute('data-report','ok');</script></body></html>\n");
        return h.toString();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
