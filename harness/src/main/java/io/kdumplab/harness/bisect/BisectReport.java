package io.kdumplab.harness.bisect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kdumplab.harness.report.HtmlReport;
import io.kdumplab.harness.report.JUnitReport;
import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.verdict.Diagnoses;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The bisection's reports, rewritten atomically after every journal event:
 * bisect.json (the state), junit.xml (one testcase per build: a bad build is
 * a failure, a skipped build is skipped, INFRA trials are errors, as in the
 * run reports) and index.html (builds in order, trials linking to their run
 * reports).
 */
public final class BisectReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BisectReport() {}

    public static void write(Path dir, BisectState s) {
        try {
            AtomicFiles.write(dir.resolve("bisect.json"), JSON.writeValueAsString(s));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        AtomicFiles.write(dir.resolve("junit.xml"), junit(s));
        AtomicFiles.write(dir.resolve("index.html"), html(s));
    }

    static String junit(BisectState s) {
        try {
            Document doc = JUnitReport.newDocument();
            Element suites = doc.createElement("testsuites");
            doc.appendChild(suites);
            Element suite = doc.createElement("testsuite");
            suites.appendChild(suite);
            suite.setAttribute("name", "bisect." + s.host());
            int tests = 0;
            int failures = 0;
            int errors = 0;
            int skipped = 0;
            for (BisectState.BuildRow b : s.builds()) {
                if (b.trials().isEmpty() && !b.skipped()) {
                    continue;
                }
                tests++;
                Element tc = doc.createElement("testcase");
                tc.setAttribute("classname", "bisect." + s.host());
                tc.setAttribute("name", String.format(Locale.ROOT, "%02d %s", b.index(), b.name()));
                tc.setAttribute("time", String.format(Locale.ROOT, "%.1f", b.trials().stream().mapToDouble(BisectState.Trial::seconds).sum()));
                String counts = b.failures() + " of " + (b.passes() + b.failures()) + " judged trial(s) failed";
                if (b.skipped()) {
                    skipped++;
                    Element sk = doc.createElement("skipped");
                    sk.setAttribute("message", b.skipReason());
                    tc.appendChild(sk);
                } else if (b.failures() > 0) {
                    failures++;
                    Element f = doc.createElement("failure");
                    f.setAttribute("message", "bad build: " + counts);
                    f.setTextContent(trialsText(b));
                    tc.appendChild(f);
                } else if (b.passes() == 0) {
                    errors++;
                    Element e = doc.createElement("error");
                    e.setAttribute("message", "no trial could be judged");
                    e.setTextContent(trialsText(b));
                    tc.appendChild(e);
                }
                Element out = doc.createElement("system-out");
                out.setTextContent(trialsText(b));
                tc.appendChild(out);
                suite.appendChild(tc);
            }
            Element verdict = doc.createElement("testcase");
            verdict.setAttribute("classname", "bisect." + s.host());
            verdict.setAttribute("name", "first bad build");
            verdict.setAttribute("time", String.format(Locale.ROOT, "%.1f", s.machineSeconds()));
            tests++;
            if (!"FOUND".equals(s.status())) {
                boolean error = !"INCONCLUSIVE".equals(s.status());
                Element f = doc.createElement(error ? "error" : "failure");
                f.setAttribute("message", s.status() + ": " + (s.message() == null ? "" : s.message()));
                verdict.appendChild(f);
                if (error) {
                    errors++;
                } else {
                    failures++;
                }
            }
            Element out = doc.createElement("system-out");
            out.setTextContent(s.message() == null ? "" : s.message());
            verdict.appendChild(out);
            suite.appendChild(verdict);
            suite.setAttribute("tests", Integer.toString(tests));
            suite.setAttribute("failures", Integer.toString(failures));
            suite.setAttribute("errors", Integer.toString(errors));
            suite.setAttribute("skipped", Integer.toString(skipped));
            suite.setAttribute("time", String.format(Locale.ROOT, "%.1f", s.machineSeconds()));
            return JUnitReport.serialize(doc);
        } catch (Exception e) {
            throw new IllegalStateException("cannot render junit.xml", e);
        }
    }

    private static String trialsText(BisectState.BuildRow b) {
        StringBuilder s = new StringBuilder(b.name() + " (" + b.kernel() + "), " + b.role() + "\n");
        for (BisectState.Trial t : b.trials()) {
            s.append(String.format(Locale.ROOT, "  %s %-15s %6.0f s  %s  %s%n", t.at(), t.verdict(), t.seconds(),
                    t.runId() == null ? "-" : t.runId(), (t.reason() == null ? "" : t.reason())
                            + (t.diagnosis() == null ? "" : "; " + t.diagnosis())));
        }
        if (b.skipped()) {
            s.append("  skipped: ").append(b.skipReason()).append('\n');
        }
        return s.toString();
    }

    private static String title(BisectState.Trial t) {
        return (t.reason() == null ? "" : t.reason()) + (t.diagnosis() == null ? "" : "; " + t.diagnosis());
    }

    /** Distinct diagnoses among a build's FAIL trials, with counts. */
    static java.util.Map<String, Integer> failDiagnoses(BisectState.BuildRow b) {
        return Diagnoses.countByDiagnosis(b.trials().stream().filter(t -> "FAIL".equals(t.verdict()))
                .map(t -> new String[] {t.reason(), t.diagnosis()}).toList());
    }

    static String html(BisectState s) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=icon href=\"data:,\"><title>bisect ")
                .append(HtmlReport.esc(s.host())).append("</title><style>").append(HtmlReport.CSS)
                .append("td.bad{background:#ffcdd2}td.passed{background:#c8e6c9}td.skipped{background:#e0e0e0}")
                .append(".first{outline:3px solid #c62828}</style></head><body>");
        String cls = switch (s.status()) {
            case "FOUND" -> "fail";
            case "RUNNING" -> "incomplete";
            default -> "infra_error";
        };
        h.append("<div class=\"banner ").append(cls).append("\"><span class=\"verdict\">").append(HtmlReport.esc(s.status()))
                .append("</span>").append(HtmlReport.esc(s.message() == null ? "" : s.message())).append("</div>");
        h.append("<table class=\"facts\">");
        fact(h, "host", s.host());
        if (s.answer() != null) {
            fact(h, "most likely first bad", s.answer().candidates().size() == 1 ? s.answer().firstBad() + " (" + s.answer().kernel() + ")"
                    : "one of " + s.answer().candidates());
            fact(h, "confidence", String.format(Locale.ROOT, "%.1f%% (target %.1f%%)", 100 * s.answer().confidence(),
                    100 * (1 - s.errorRate())));
        }
        fact(h, "stated minimum repro rate", String.format(Locale.ROOT, "%.0f%%", 100 * s.minReproRate()));
        if (s.reproRateEstimate() != null) {
            fact(h, "estimated repro rate", String.format(Locale.ROOT, "%.0f%%", 100 * s.reproRateEstimate()));
            if (s.reproRateInterval90() != null) {
                String check = RateCheck.of(s.minReproRate(), s.reproRateInterval90().get(0), s.reproRateInterval90().get(1));
                if (check != null) {
                    fact(h, "rate check", check);
                }
            }
        }
        fact(h, "runs", s.runs() + " (" + s.judgedTrials() + " judged)");
        fact(h, "machine time", String.format(Locale.ROOT, "%.1f min (trials %.1f, installs and reboots %.1f); wall %.1f min",
                s.machineSeconds() / 60, s.trialSeconds() / 60, s.installSeconds() / 60, s.wallSeconds() / 60));
        fact(h, "updated", s.updatedAt());
        h.append("</table><h2>Builds, oldest first</h2><table class=\"grid\"><tr><th>#</th><th>build</th><th>kernel</th><th>role</th>"
                + "<th>state</th><th>pass</th><th>fail</th><th>other</th><th>P(first bad)</th><th>trials</th>"
                + "<th>FAIL diagnoses</th></tr>");
        for (BisectState.BuildRow b : s.builds()) {
            boolean first = s.answer() != null && b.index() >= s.answer().firstIndex() && b.index() <= s.answer().lastIndex();
            h.append("<tr").append(first ? " class=\"first\"" : "").append("><td>").append(b.index()).append("</td><td>")
                    .append(HtmlReport.esc(b.name())).append("</td><td class=\"mono\">").append(HtmlReport.esc(b.kernel()))
                    .append("</td><td>").append(b.role()).append("</td><td class=\"").append(b.state()).append("\">")
                    .append(b.state()).append(b.skipped() ? ": " + HtmlReport.esc(b.skipReason()) : "").append("</td><td>")
                    .append(b.passes()).append("</td><td>").append(b.failures()).append("</td><td>").append(b.notJudged())
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.3f", b.probabilityFirstBad())).append("</td><td>");
            for (BisectState.Trial t : b.trials()) {
                String label = t.verdict() + String.format(Locale.ROOT, " %.0fs", t.seconds());
                if (t.runId() != null) {
                    h.append("<a href=\"runs/").append(HtmlReport.esc(t.runId())).append("/index.html\" title=\"")
                            .append(HtmlReport.esc(title(t))).append("\">").append(HtmlReport.esc(label)).append("</a> ");
                } else {
                    h.append("<span title=\"").append(HtmlReport.esc(title(t))).append("\">").append(HtmlReport.esc(label))
                            .append("</span> ");
                }
            }
            h.append("</td><td>");
            // FAILs that stopped in different places are different findings: show each diagnosis with its count
            failDiagnoses(b).forEach((d, n) -> h.append(HtmlReport.esc(d)).append(n > 1 ? " (x" + n + ")" : "").append("<br>"));
            h.append("</td></tr>");
        }
        h.append("</table><p class=\"links\"><a href=\"bisect.json\">bisect.json</a><a href=\"junit.xml\">junit.xml</a>"
                + "<a href=\"journal.jsonl\">journal.jsonl</a><a href=\"bisect.log\">bisect.log</a></p></body></html>\n");
        return h.toString();
    }

    private static void fact(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(HtmlReport.esc(k)).append("</th><td>").append(HtmlReport.esc(v)).append("</td></tr>");
    }
}
