package io.kdumplab.harness.report;

import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.util.AtomicFiles;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * JUnit XML as Jenkins and GitLab read it: one testcase per host x scenario x
 * attempt. FAIL is a <failure> (message = the reason); INFRA_ERROR,
 * KDUMP_NOT_READY and INCOMPLETE are <error>s, never failures; the console
 * excerpt around the trigger goes to system-out.
 */
public final class JUnitReport {
    private JUnitReport() {}

    public static void write(Path file, String suiteName, List<RunArtifacts> runs) {
        AtomicFiles.write(file, render(suiteName, runs));
    }

    public static String render(String suiteName, List<RunArtifacts> runs) {
        try {
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element suites = doc.createElement("testsuites");
            doc.appendChild(suites);
            Element suite = doc.createElement("testsuite");
            suites.appendChild(suite);
            int failures = 0;
            int errors = 0;
            double time = 0;
            int attempt = 0;
            for (RunArtifacts a : runs) {
                attempt++;
                RunResult r = a.result();
                Element tc = doc.createElement("testcase");
                String host = r == null || r.target.host == null ? String.valueOf(r == null ? "?" : r.inputs.get("host")) : r.target.host;
                String scenario = r == null ? "?" : scenarioName(r);
                tc.setAttribute("classname", "kdump.repro." + host.replaceAll("[^A-Za-z0-9_-]", "_"));
                tc.setAttribute("name", scenario + " #" + attempt + " (" + (r == null ? a.dir().getFileName() : r.runId) + ")");
                double secs = r == null || r.durationSeconds == null ? 0 : r.durationSeconds;
                tc.setAttribute("time", String.format(java.util.Locale.ROOT, "%.3f", secs));
                time += secs;
                String verdict = r == null || r.verdict == null ? "INCOMPLETE" : r.verdict.name();
                String reason = r == null ? String.join("; ", a.problems()) : String.valueOf(r.reason);
                if (verdict.equals("FAIL")) {
                    failures++;
                    Element f = doc.createElement("failure");
                    f.setAttribute("message", reason);
                    f.setAttribute("type", "FAIL");
                    f.setTextContent("last phase reached: " + (r.lastPhase == null ? "none" : r.lastPhase) + "\n" + reason
                            + (r.diagnosis == null ? "" : "\n" + diagnosisText(r.diagnosis)));
                    tc.appendChild(f);
                } else if (!verdict.equals("PASS")) {
                    errors++;
                    Element e = doc.createElement("error");
                    e.setAttribute("message", reason);
                    e.setAttribute("type", verdict);
                    e.setTextContent(verdict + (r != null && r.failedStep != null ? " in step " + r.failedStep : "") + ": " + reason);
                    tc.appendChild(e);
                }
                Element out = doc.createElement("system-out");
                out.setTextContent(ConsoleExcerpt.around(a, 15, 40));
                tc.appendChild(out);
                suite.appendChild(tc);
            }
            suite.setAttribute("name", suiteName);
            suite.setAttribute("tests", Integer.toString(runs.size()));
            suite.setAttribute("failures", Integer.toString(failures));
            suite.setAttribute("errors", Integer.toString(errors));
            suite.setAttribute("skipped", "0");
            suite.setAttribute("time", String.format(java.util.Locale.ROOT, "%.3f", time));
            suite.setAttribute("timestamp", Instant.now().toString().replaceFirst("\\.\\d+Z$", "").replace("Z", ""));
            suites.setAttribute("name", suiteName);
            suites.setAttribute("tests", Integer.toString(runs.size()));
            suites.setAttribute("failures", Integer.toString(failures));
            suites.setAttribute("errors", Integer.toString(errors));
            suites.setAttribute("time", String.format(java.util.Locale.ROOT, "%.3f", time));
            return serialize(doc);
        } catch (Exception e) {
            throw new IllegalStateException("cannot render JUnit XML", e);
        }
    }

    /** An empty DOM document, for the JUnit files of runs and bisections. */
    public static Document newDocument() throws javax.xml.parsers.ParserConfigurationException {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
    }

    /** Indented UTF-8 XML text of a document. */
    public static String serialize(Document doc) throws javax.xml.transform.TransformerException {
        var t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty(OutputKeys.INDENT, "yes");
        t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
        StringWriter w = new StringWriter();
        t.transform(new DOMSource(doc), new StreamResult(w));
        return w.toString();
    }

    static String scenarioName(RunResult r) {
        Object s = r.inputs.get("scenario");
        if (s instanceof java.util.Map<?, ?> m && m.get("name") != null) {
            return String.valueOf(m.get("name"));
        }
        if (s instanceof io.kdumplab.harness.run.Scenario sc) {
            return sc.name();
        }
        return "repro";
    }

    static String diagnosisText(io.kdumplab.harness.verdict.Diagnosis d) {
        StringBuilder b = new StringBuilder("diagnosis: ").append(d.summary());
        if (d.cause() != null) {
            b.append("\ncause: ").append(d.cause());
        }
        if (d.remedy() != null) {
            b.append("\nremedy: ").append(d.remedy());
        }
        d.facts().forEach((k, v) -> b.append("\n").append(k).append(": ").append(v));
        if (!d.lastKernelLines().isEmpty()) {
            b.append("\nlast console lines before the stop:\n").append(String.join("\n", d.lastKernelLines()));
        }
        return b.toString();
    }
}
