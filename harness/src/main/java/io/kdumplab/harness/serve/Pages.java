package io.kdumplab.harness.serve;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The web view's pages: plain HTML rendered on the server, every value escaped, links under the proxy prefix. */
final class Pages {
    private final String base;

    Pages(String base) {
        this.base = base;
    }

    /** The hosts page's live parts: each run in progress follows its step and console (server-sent events). */
    static final String LIVE_JS = String.join("\n",
            "// live console tails and steps of runs in progress: server-sent events, no page reload",
            "document.querySelectorAll('pre.tail').forEach(function (pre) {",
            "  var step = document.getElementById(pre.dataset.step);",
            "  var kept = [];",
            "  var es = new EventSource(pre.dataset.src);",
            "  es.addEventListener('lines', function (e) {",
            "    kept = kept.concat(JSON.parse(e.data).lines);",
            "    if (kept.length > 200) { kept = kept.slice(kept.length - 200); }",
            "    pre.textContent = kept.join('\\n');",
            "    pre.scrollTop = pre.scrollHeight;",
            "  });",
            "  es.addEventListener('step', function (e) {",
            "    var s = JSON.parse(e.data);",
            "    step.textContent = 'step ' + (s.step || '-') + (s.lastPhase ? ', console: ' + s.lastPhase : '') + ' (' + s.status + ')';",
            "  });",
            "  es.addEventListener('end', function (e) {",
            "    es.close();",
            "    step.textContent += '; the console tail ended: ' + e.data;",
            "  });",
            "});", "");

    String hosts(List<LabView.Host> hosts) {
        StringBuilder b = head("Hosts");
        b.append("<table><tr><th>host</th><th>health</th><th>held by</th><th>queue</th><th>run in progress</th>"
                + "<th>last runs</th></tr>");
        int n = 0;
        for (LabView.Host h : hosts) {
            b.append("<tr><td>").append(esc(h.name())).append("</td><td>")
                    .append(h.healthy() == null ? "-" : h.healthy() ? "healthy" : "<span class=bad>unhealthy</span>: "
                            + esc(h.healthReason()) + " (since " + time(h.healthSince()) + ")")
                    .append("</td><td>");
            if (h.lease() != null) {
                b.append(esc(h.lease().kind())).append(" ").append(esc(h.lease().holder())).append(" since ")
                        .append(time(h.lease().since())).append(" (token ").append(h.lease().token()).append(")");
            } else {
                b.append("free");
            }
            b.append("</td><td>");
            for (LabView.Waiter w : h.queue()) {
                b.append(w.position()).append(". ").append(esc(w.kind())).append(" ").append(esc(w.holder())).append("<br>");
            }
            b.append("</td><td>");
            if (h.live() != null) {
                LiveRuns.Live l = h.live();
                n++;
                b.append("<a href=\"").append(base).append("/runs/").append(l.runId()).append("/result.json\">").append(esc(l.runId()))
                        .append("</a><br><span class=step id=step-").append(n).append(">step ").append(esc(l.step()))
                        .append(l.lastPhase() == null ? "" : ", console: " + esc(l.lastPhase())).append(" (").append(esc(l.status()))
                        .append(")</span><pre class=tail data-step=step-").append(n).append(" data-src=\"").append(base)
                        .append("/api/runs/").append(l.runId()).append("/console\"></pre>");
            } else if (h.lease() != null && h.lease().runId() != null) {
                b.append(esc(h.lease().runId())).append(" (its directory is not under this server's reports root)");
            }
            b.append("</td><td>");
            for (LabView.Run r : h.lastRuns()) {
                b.append(runLink(r.runId(), r.verdict())).append(' ');
            }
            b.append("</td></tr>");
        }
        b.append("</table>");
        if (n > 0) {
            b.append("<script src=\"").append(base).append("/live.js\"></script>");
        }
        return foot(b);
    }

    String nights(List<LabView.Night> nights) {
        StringBuilder b = head("Nights");
        b.append("<table><tr><th>night</th><th>plan</th><th>date</th><th>cells</th><th>verdicts</th></tr>");
        for (LabView.Night n : nights) {
            b.append("<tr><td><a href=\"").append(base).append("/night?id=").append(url(n.id())).append("\">").append(esc(n.id()))
                    .append("</a></td><td>").append(esc(n.plan())).append("</td><td>").append(esc(n.night())).append("</td><td>")
                    .append(counts(n.cells())).append("</td><td>").append(counts(n.verdicts())).append("</td></tr>");
        }
        return foot(b.append("</table>"));
    }

    String night(String id, List<LabView.Comparison> comparison, List<LabView.Cell> cells) {
        StringBuilder b = head("Night " + id);
        // the morning report's content: regressions first, each cell key against earlier nights, FAILs by diagnosis
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        comparison.forEach(c -> counts.merge(c.status().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), 1, Integer::sum));
        b.append("<p>").append(comparison.size()).append(comparison.size() == 1 ? " cell" : " cells").append(counts.isEmpty() ? "" : ": ")
                .append(esc(String.join(", ", counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList())))
                .append("</p><h2>Regressions</h2>");
        List<LabView.Comparison> regressions = comparison.stream().filter(c -> c.status().equals("REGRESSION")).toList();
        if (regressions.isEmpty()) {
            b.append("<p>none</p>");
        } else {
            comparisonTable(b, regressions);
        }
        b.append("<h2>Against earlier nights</h2>");
        comparisonTable(b, comparison);
        b.append("<h2>Cells and attempts</h2>");
        b.append("<table><tr><th>host</th><th>kernel</th><th>build</th><th>scenario</th><th>#</th><th>state</th>"
                + "<th>verdict</th><th>reason</th><th>diagnosis</th><th>attempts</th></tr>");
        for (LabView.Cell c : cells) {
            b.append("<tr><td>").append(esc(c.host())).append("</td><td>").append(esc(c.kernel())).append("</td><td>")
                    .append(esc(c.build())).append("</td><td>").append(esc(c.scenario())).append("</td><td>").append(c.repeat())
                    .append("</td><td>").append(esc(c.state())).append("</td><td>").append(runLink(c.runId(), c.verdict()))
                    .append("</td><td>").append(esc(c.reason())).append("</td><td>").append(esc(c.diagnosis()))
                    .append("</td><td>");
            for (LabView.Attempt a : c.attemptHistory()) {
                // every attempt, the interrupted one of a dead orchestrator and its take-over included
                b.append(esc(a.state())).append(a.verdict() == null ? "" : " " + runLink(a.runId(), a.verdict())).append(" by ")
                        .append(esc(a.holder())).append(" (token ").append(a.leaseToken()).append(")<br>");
            }
            b.append("</td></tr>");
        }
        return foot(b.append("</table>"));
    }

    private void comparisonTable(StringBuilder b, List<LabView.Comparison> rows) {
        b.append("<table class=comparison><tr><th>host</th><th>kernel</th><th>scenario</th><th>status</th><th>tonight</th>"
                + "<th>earlier nights</th><th>statement</th></tr>");
        for (LabView.Comparison c : rows) {
            b.append("<tr class=").append(esc(c.status())).append("><td>").append(esc(c.host())).append("</td><td>")
                    .append(esc(c.kernel())).append("</td><td>").append(esc(c.scenario())).append("</td><td><b>")
                    .append(esc(c.status())).append("</b></td><td>");
            for (LabView.Verdict v : c.tonight()) {
                b.append(runLink(v.runId(), v.verdict())).append(" <small>").append(esc(v.build())).append("</small><br>");
            }
            c.failDiagnoses().forEach(d -> b.append("<small>").append(esc(d)).append("</small><br>"));
            b.append("</td><td>");
            if (c.earlier().isEmpty()) {
                b.append("no history");
            }
            for (LabView.EarlierVerdict e : c.earlier()) {
                b.append(esc(e.night())).append(' ').append(runLink(e.runId(), e.verdict())).append(" <small>").append(esc(e.build()))
                        .append("</small><br>");
            }
            b.append("</td><td>").append(esc(c.statement())).append("</td></tr>");
        }
        b.append("</table>");
    }

    String runs(List<LabView.Run> runs, LabView.RunFilter f) {
        StringBuilder b = head("Runs");
        b.append("<form method=get action=\"").append(base).append("/runs\">");
        for (String[] field : new String[][] {{"host", f.host()}, {"kernel", f.kernel()}, {"scenario", f.scenario()},
                {"verdict", f.verdict()}, {"source", f.source()}, {"since", f.since() == null ? null : f.since().toString()}}) {
            b.append("<label>").append(field[0]).append(" <input name=").append(field[0]).append(" value=\"")
                    .append(esc(field[1])).append("\"></label> ");
        }
        b.append("<button>filter</button></form>");
        b.append("<table><tr><th>at</th><th>source</th><th>host</th><th>kernel</th><th>build</th><th>scenario</th>"
                + "<th>verdict</th><th>reason</th><th>files</th></tr>");
        for (LabView.Run r : runs) {
            b.append("<tr><td>").append(time(r.at())).append("</td><td>").append(esc(r.source())).append("</td><td>")
                    .append(esc(r.host())).append("</td><td>").append(esc(r.kernel())).append("</td><td>").append(esc(r.build()))
                    .append("</td><td>").append(esc(r.scenario())).append("</td><td>").append(runLink(r.runId(), r.verdict()))
                    .append("</td><td>").append(esc(r.reason())).append("</td><td>");
            if (r.runId() != null) {
                for (String file : List.of("result.json", "console.log")) {
                    b.append("<a href=\"").append(base).append("/runs/").append(r.runId()).append('/').append(file).append("\">")
                            .append(file).append("</a> ");
                }
            }
            b.append("</td></tr>");
        }
        return foot(b.append("</table>"));
    }

    String bisections(List<com.fasterxml.jackson.databind.JsonNode> all) {
        StringBuilder b = head("Bisections");
        b.append("<table><tr><th>bisection</th><th>host</th><th>status</th><th>updated</th><th>judged trials</th>"
                + "<th>machine time (and to go)</th><th>the first bad build, as it stands</th></tr>");
        for (var n : all) {
            b.append("<tr><td>").append(esc(n.path("dir").asText())).append("</td><td>").append(esc(n.path("host").asText()))
                    .append("</td><td>").append(esc(n.path("status").asText())).append(n.hasNonNull("message")
                            ? ": " + esc(n.path("message").asText()) : "").append("</td><td>")
                    .append(esc(n.path("updatedAt").asText().replaceFirst("\\.\\d+Z$", "Z"))).append("</td><td>")
                    .append(n.path("judgedTrials").asInt()).append("</td><td>")
                    .append(String.format(java.util.Locale.ROOT, "%.0f s", n.path("machineSeconds").asDouble()))
                    .append(n.hasNonNull("eta") ? String.format(java.util.Locale.ROOT, "<br>about %d more trial(s)%s", n.at("/eta/trials").asInt(),
                            n.at("/eta/seconds").isNumber() ? String.format(java.util.Locale.ROOT, ", ~%.0f min", n.at("/eta/seconds").asDouble() / 60)
                                    : "") : "")
                    .append("</td><td>");
            if (n.hasNonNull("answer")) {
                b.append(esc(n.at("/answer/firstBad").asText())).append(String.format(java.util.Locale.ROOT, " (confidence %.0f%%)",
                        100 * n.at("/answer/confidence").asDouble()));
            } else {
                // the current interval: the builds still in question, most likely first
                List<com.fasterxml.jackson.databind.JsonNode> rows = new java.util.ArrayList<>();
                n.path("builds").forEach(rows::add);
                rows.stream().filter(r -> r.path("probabilityFirstBad").asDouble() > 0)
                        .sorted(java.util.Comparator.comparingDouble(r -> -r.path("probabilityFirstBad").asDouble())).limit(4)
                        .forEach(r -> b.append(esc(r.path("name").asText())).append(String.format(java.util.Locale.ROOT, " %.0f%%",
                                100 * r.path("probabilityFirstBad").asDouble())).append("<br>"));
            }
            b.append("</td></tr>");
        }
        return foot(b.append("</table>"));
    }

    String login() {
        StringBuilder b = head("Log in");
        b.append("<form method=post action=\"").append(base).append("/login\"><label>token <input type=password name=token>"
                + "</label> <button>log in</button></form>");
        return foot(b);
    }

    private String runLink(String runId, String verdict) {
        String v = esc(verdict == null ? "-" : verdict);
        String cls = "PASS".equals(verdict) ? "ok" : "FAIL".equals(verdict) ? "bad" : "other";
        return runId == null ? "<span class=" + cls + ">" + v + "</span>"
                : "<a class=" + cls + " href=\"" + base + "/runs/" + runId + "/index.html\">" + v + "</a>";
    }

    private StringBuilder head(String title) {
        // no favicon request: behind a proxy prefix it would go to the site's root
        return new StringBuilder("<!doctype html><html><head><meta charset=utf-8><link rel=icon href=\"data:,\"><title>").append(esc(title))
                .append(" - kdump harness</title><style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;text-align:left}"
                        + ".ok{color:#070}.bad{color:#b00;font-weight:bold}.other{color:#a60}nav a{margin-right:1em}"
                        + "tr.REGRESSION,tr.NEW_FAIL{background:#f8caca}tr.PASS,tr.FIXED{background:#e6f5e6}"
                        + "pre.tail{max-height:18em;width:60em;overflow:auto;background:#f4f4f4;font-size:80%;margin:.3em 0}</style>"
                        + "</head><body><nav><a href=\"").append(base).append("/\">hosts</a><a href=\"").append(base)
                .append("/nights\">nights</a><a href=\"").append(base).append("/runs\">runs</a><a href=\"").append(base)
                .append("/bisections\">bisections</a></nav><h1>").append(esc(title))
                .append("</h1>");
    }

    private static String foot(StringBuilder b) {
        return b.append("</body></html>").toString();
    }

    private static String counts(Map<String, Integer> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(esc(k)).append(' ').append(v).append("<br>"));
        return b.toString();
    }

    private static String time(Instant t) {
        return t == null ? "-" : esc(t.toString().replaceFirst("\\.\\d+Z$", "Z"));
    }

    private static String url(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The reports' escaping: one rule for every page the harness writes. */
    static String esc(String s) {
        return io.kdumplab.harness.report.HtmlReport.esc(s);
    }
}
