package io.kdumplab.harness.nightly;

import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.verdict.Diagnoses;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The morning report of a night: index.html (regressions first, with tonight's
 * failing run and the last passing one side by side; then the matrix of hosts
 * x scenarios x kernels with every cell linking its run report and a trend of
 * earlier nights; cells not run; host health) and junit.xml for the CI server
 * that started the night. Written atomically.
 */
public final class NightReport {
    private NightReport() {}

    public record Written(Path html, Path junit, int regressions) {}

    public static Written write(Path dir, String nightId, List<Regressions.Row> rows, Map<String, java.util.Optional<HostHealth>> health,
                                List<NightStore.AttemptRow> attempts) {
        String html = html(nightId, rows, health, attempts);
        String junit = junit(nightId, rows);
        Path h = dir.resolve("index.html");
        Path j = dir.resolve("junit.xml");
        AtomicFiles.write(h, html);
        AtomicFiles.write(j, junit);
        int regressions = (int) rows.stream().filter(r -> r.status() == Regressions.Status.REGRESSION).count();
        return new Written(h, j, regressions);
    }

    static String html(String nightId, List<Regressions.Row> rows, Map<String, java.util.Optional<HostHealth>> health) {
        return html(nightId, rows, health, List.of());
    }

    static String html(String nightId, List<Regressions.Row> rows, Map<String, java.util.Optional<HostHealth>> health,
                       List<NightStore.AttemptRow> attempts) {
        StringBuilder b = new StringBuilder("<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>nightly " + esc(nightId) + "</title>\n"
                + "<style>body{font:14px sans-serif;margin:1.5em}table{border-collapse:collapse;margin:.5em 0}"
                + "td,th{border:1px solid #ccc;padding:3px 7px;vertical-align:top}.REGRESSION,.NEW_FAIL{background:#f8caca}"
                + ".STILL_FAILING{background:#f3dede}.FLAKY{background:#fbeecb}.PASS,.FIXED{background:#d9f2d9}"
                + ".INFRA{background:#e3e3f7}.NOT_RUN{background:#eee}</style>\n");
        b.append("<h1>Nightly ").append(esc(nightId)).append("</h1>\n");
        Map<Regressions.Status, Long> counts = new LinkedHashMap<>();
        for (Regressions.Row r : rows) {
            counts.merge(r.status(), 1L, Long::sum);
        }
        // "3 cells: 1 regression, 2 pass": words a person reads, not a Java map
        b.append("<p>").append(rows.size()).append(rows.size() == 1 ? " cell" : " cells").append(counts.isEmpty() ? "" : ": ")
                .append(esc(String.join(", ", counts.entrySet().stream().map(e -> e.getValue() + " "
                        + e.getKey().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')).toList())))
                .append("</p>\n<h2>Regressions</h2>\n");
        List<Regressions.Row> reg = rows.stream().filter(r -> r.status() == Regressions.Status.REGRESSION).toList();
        if (reg.isEmpty()) {
            b.append("<p>none</p>\n");
        } else {
            b.append("<table><tr><th>host</th><th>kernel</th><th>scenario</th><th>tonight</th><th>last pass</th><th>statement</th></tr>\n");
            for (Regressions.Row r : reg) {
                EarlierCell lastPass = r.earlier().stream().filter(e -> e.verdict().equals("PASS")).findFirst().orElse(null);
                b.append("<tr class=REGRESSION><td>").append(esc(r.host())).append("</td><td>").append(esc(r.kernel()))
                        .append("</td><td>").append(esc(r.scenario())).append("</td><td>").append(verdicts(r.tonight()))
                        .append("</td><td>").append(lastPass == null ? "" : esc(lastPass.night().toString()) + " " + link("PASS", lastPass.report())
                                + " (" + esc(lastPass.build()) + ")")
                        .append("</td><td>").append(esc(r.statement())).append(failDiagnoses(r.tonight()))
                        .append("</td></tr>\n");
            }
            b.append("</table>\n");
        }
        b.append("<h2>Matrix</h2>\n");
        Set<String> kernels = new LinkedHashSet<>();
        Map<String, Map<String, Regressions.Row>> byRow = new LinkedHashMap<>();
        for (Regressions.Row r : rows) {
            kernels.add(r.kernel());
            byRow.computeIfAbsent(r.host() + " / " + r.scenario(), k -> new LinkedHashMap<>()).put(r.kernel(), r);
        }
        b.append("<table><tr><th>host / scenario</th>");
        for (String k : kernels) {
            b.append("<th>").append(esc(k)).append("</th>");
        }
        b.append("</tr>\n");
        for (Map.Entry<String, Map<String, Regressions.Row>> e : byRow.entrySet()) {
            b.append("<tr><th>").append(esc(e.getKey())).append("</th>");
            for (String k : kernels) {
                Regressions.Row r = e.getValue().get(k);
                if (r == null) {
                    b.append("<td></td>");
                    continue;
                }
                b.append("<td class=").append(r.status()).append("><b>").append(r.status()).append("</b><br>")
                        .append(verdicts(r.tonight())).append(failDiagnoses(r.tonight()))
                        .append(r.tonight().stream().anyMatch(c -> c.attempts() > 1) ? "<br><small>more than one attempt: see below</small>" : "")
                        .append("<br><small>build ").append(esc(r.tonight().get(0).build()))
                        .append("; earlier: ").append(trend(r.earlier())).append("</small></td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
        retried(b, attempts);
        b.append("<h2>Hosts</h2>\n<table><tr><th>host</th><th>health</th><th>since</th></tr>\n");
        for (Map.Entry<String, java.util.Optional<HostHealth>> e : health.entrySet()) {
            HostHealth h = e.getValue().orElse(null);
            b.append("<tr><td>").append(esc(e.getKey())).append("</td><td>")
                    .append(h == null ? "not checked" : (h.healthy() ? "healthy" : "UNHEALTHY: " + esc(String.valueOf(h.reason()))))
                    .append("</td><td>").append(h == null ? "" : esc(String.valueOf(h.since()))).append("</td></tr>\n");
        }
        b.append("</table>\n");
        return b.toString();
    }

    /**
     * Cells that took more than one attempt, each attempt in order: a take-over (the first orchestrator killed or
     * frozen mid-cell) or a retry after a health check is part of the night's story, not only of the database.
     */
    private static void retried(StringBuilder b, List<NightStore.AttemptRow> attempts) {
        Map<String, List<NightStore.AttemptRow>> byCell = new LinkedHashMap<>();
        attempts.forEach(a -> byCell.computeIfAbsent(a.cellKey(), k -> new java.util.ArrayList<>()).add(a));
        byCell.values().removeIf(l -> l.size() < 2);
        b.append("<h2>Cells that took more than one attempt</h2>\n");
        if (byCell.isEmpty()) {
            b.append("<p>none</p>\n");
            return;
        }
        b.append("<table><tr><th>cell</th><th>attempts, in order</th></tr>\n");
        byCell.forEach((cell, list) -> {
            b.append("<tr><td>").append(esc(cell)).append("</td><td>");
            for (int i = 0; i < list.size(); i++) {
                NightStore.AttemptRow a = list.get(i);
                b.append(i == 0 ? "" : "<br>").append(i + 1).append(". <b>").append(esc(a.verdict() != null ? a.verdict() : a.state()))
                        .append("</b> by ").append(esc(a.holder())).append(" (lease token ").append(a.token()).append(')')
                        .append(a.reason() == null || a.reason().isBlank() ? "" : ": " + esc(a.reason()));
            }
            b.append("</td></tr>\n");
        });
        b.append("</table>\n");
    }

    /**
     * Tonight's FAIL reasons, one line per distinct diagnosis with its count: two FAILs of one build that stopped in
     * different places (say, one before the capture kernel, one in it) are two findings, not one rate.
     */
    public static List<String> failDiagnosisLines(List<CellRow> cells) {
        Map<String, Integer> byDiagnosis = Diagnoses.countByDiagnosis(cells.stream().filter(c -> "FAIL".equals(c.verdict()))
                .map(c -> new String[] {c.reason(), c.diagnosis()}).toList());
        List<String> lines = new java.util.ArrayList<>();
        byDiagnosis.forEach((d, n) -> lines.add("FAIL" + (n > 1 ? " x" + n : "") + ": " + d));
        return lines;
    }

    private static String failDiagnoses(List<CellRow> cells) {
        StringBuilder b = new StringBuilder();
        failDiagnosisLines(cells).forEach(l -> b.append("<br><small class=diagnosis>").append(esc(l)).append("</small>"));
        return b.toString();
    }

    private static String verdicts(List<CellRow> cells) {
        StringBuilder b = new StringBuilder();
        for (CellRow c : cells) {
            b.append(link(c.verdict() == null ? c.state() : c.verdict(), c.report())).append(' ');
        }
        return b.toString().trim();
    }

    /** Earlier nights, newest first: one letter per judged run (P/F) per night. */
    private static String trend(List<EarlierCell> earlier) {
        if (earlier.isEmpty()) {
            return "no history";
        }
        Map<String, StringBuilder> byNight = new LinkedHashMap<>();
        for (EarlierCell e : earlier) {
            byNight.computeIfAbsent(e.night().toString(), k -> new StringBuilder()).append(e.verdict().charAt(0));
        }
        StringBuilder b = new StringBuilder();
        byNight.forEach((n, v) -> b.append(esc(n)).append(' ').append(v).append("; "));
        return b.substring(0, b.length() - 2);
    }

    private static String link(String text, String report) {
        if (report == null || report.isBlank()) {
            return esc(text);
        }
        Path p = Path.of(report);
        String href = p.getFileName() != null && p.getFileName().toString().endsWith(".html") ? report : p.resolve("index.html").toString();
        return "<a href=\"file://" + esc(href) + "\">" + esc(text) + "</a>";
    }

    static String junit(String nightId, List<Regressions.Row> rows) {
        Map<String, StringBuilder> suites = new LinkedHashMap<>();
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (Regressions.Row r : rows) {
            StringBuilder s = suites.computeIfAbsent(r.host(), k -> new StringBuilder());
            int[] c = counts.computeIfAbsent(r.host(), k -> new int[4]);
            c[0]++;
            s.append("  <testcase classname=\"nightly.").append(xml(r.host())).append("\" name=\"").append(xml(r.kernel() + " / "
                    + r.scenario())).append("\">");
            switch (r.status()) {
                case REGRESSION, NEW_FAIL, STILL_FAILING -> {
                    c[1]++;
                    s.append("<failure type=\"").append(r.status()).append("\" message=\"").append(xml(r.statement())).append("\">")
                            .append(xml(String.join("\n", failDiagnosisLines(r.tonight())))).append("</failure>");
                }
                case INFRA -> {
                    c[2]++;
                    s.append("<error type=\"INFRA\" message=\"").append(xml(r.statement())).append("\"/>");
                }
                case NOT_RUN -> {
                    c[3]++;
                    s.append("<skipped message=\"not run within the night's budget\"/>");
                }
                default -> s.append("<system-out>").append(xml(r.status() + ": " + r.statement())).append("</system-out>");
            }
            s.append("</testcase>\n");
        }
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nightly "
                + xml(nightId) + "\">\n");
        suites.forEach((host, body) -> {
            int[] c = counts.get(host);
            b.append(" <testsuite name=\"").append(xml(host)).append("\" tests=\"").append(c[0]).append("\" failures=\"")
                    .append(c[1]).append("\" errors=\"").append(c[2]).append("\" skipped=\"").append(c[3]).append("\">\n")
                    .append(body).append(" </testsuite>\n");
        });
        return b.append("</testsuites>\n").toString();
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String xml(String s) {
        return esc(s).replace("'", "&apos;");
    }
}
