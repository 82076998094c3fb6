package io.kdumplab.harness.report;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.run.PhaseRecord;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.run.Scenario;
import io.kdumplab.harness.run.StepRecord;
import org.testng.annotations.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/** JUnit XML against the schema Jenkins/GitLab read; the report of half-written run directories. */
@Test(groups = "unit")
public class ReportsTest {

    /** A run directory as ReproRun writes it, with a given verdict. */
    static Path runDir(String verdict, String reason, String failedStep) throws Exception {
        Path dir = Files.createTempDirectory("run-" + verdict);
        long t0 = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
        RunResult r = new RunResult();
        r.runId = dir.getFileName().toString();
        r.status = "finished";
        r.startedAt = Instant.ofEpochMilli(t0);
        r.finishedAt = Instant.ofEpochMilli(t0 + 90_000);
        r.durationSeconds = 90.0;
        r.inputs.put("host", "virtual-lab");
        r.inputs.put("scenario", Scenario.seed());
        r.target.host = "virtual-lab";
        r.target.kernel = "6.1.0-56-amd64";
        r.trigger = "nmi";
        r.triggerAt = Instant.ofEpochMilli(t0 + 30_000);
        r.nmiSentAt.add(r.triggerAt);
        r.console.spammerEmittedAtTrigger = 40L;
        r.verdict = io.kdumplab.harness.verdict.Verdict.valueOf(verdict);
        r.reason = reason;
        r.failedStep = failedStep;
        StepRecord s = new StepRecord("preflight", 60, r.startedAt.toString());
        s.durationMillis = 2000L;
        s.status = "ok";
        r.steps.add(s);
        r.phases.add(new PhaseRecord(Phase.NMI_SENT, r.triggerAt, null, "chassis power diag"));
        r.save(dir.resolve("result.json"));
        StringBuilder console = new StringBuilder();
        StringBuilder index = new StringBuilder("epoch_ms\toffset\tline\n");
        for (int i = 0; i < 60; i++) {
            String line = i == 50 ? "[ 40.0] Command line: BOOT_IMAGE=x elfcorehdr=2080116K <evil & \"quoted\">"
                    : "[ " + i + ".0] printk_spammer: t=" + (i % 4) + " seq=" + (i / 4 + 1) + " xxxxxxxx";
            index.append(t0 + i * 1000L).append('\t').append(console.length()).append('\t').append(i).append('\n');
            console.append(line).append("\r\n");
        }
        Files.writeString(dir.resolve("console.log"), console);
        Files.writeString(dir.resolve("console.index.tsv"), index);
        Files.writeString(dir.resolve("harness.log"), "log\n");
        return dir;
    }

    static void validate(String xml) throws Exception {
        var schema = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(new StreamSource(ReportsTest.class.getResourceAsStream("/junit/junit-10.xsd")));
        schema.newValidator().validate(new StreamSource(new StringReader(xml)));
    }

    static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    public void junitXmlIsValidAndClassifiesVerdicts() throws Exception {
        List<RunArtifacts> runs = List.of(
                RunArtifacts.read(runDir("PASS", "vmcore saved and readable: /var/crash/x/dump.x", null)),
                RunArtifacts.read(runDir("FAIL", "hang: the capture kernel did not start", null)),
                RunArtifacts.read(runDir("INFRA_ERROR", "bmc: BMC admin@h:623 refused the login", "preflight")));
        String xml = JUnitReport.render("nightly", runs);
        validate(xml);
        Document d = parse(xml);
        Element suite = (Element) d.getElementsByTagName("testsuite").item(0);
        assertEquals(suite.getAttribute("tests"), "3");
        assertEquals(suite.getAttribute("failures"), "1");
        assertEquals(suite.getAttribute("errors"), "1", "INFRA_ERROR is an error, not a failure");
        var cases = d.getElementsByTagName("testcase");
        Element pass = (Element) cases.item(0);
        Element fail = (Element) cases.item(1);
        Element infra = (Element) cases.item(2);
        assertEquals(pass.getElementsByTagName("failure").getLength() + pass.getElementsByTagName("error").getLength(), 0);
        assertEquals(((Element) fail.getElementsByTagName("failure").item(0)).getAttribute("message"),
                "hang: the capture kernel did not start");
        assertEquals(infra.getElementsByTagName("failure").getLength(), 0);
        assertEquals(((Element) infra.getElementsByTagName("error").item(0)).getAttribute("type"), "INFRA_ERROR");
        assertTrue(pass.getAttribute("classname").equals("kdump.repro.virtual-lab"));
        assertTrue(pass.getAttribute("name").startsWith("nmi-under-console-flood #1"));
        String out = pass.getElementsByTagName("system-out").item(0).getTextContent();
        assertTrue(out.contains(">>> NMI_SENT"), "phase marker in the console excerpt");
        assertTrue(out.contains("elfcorehdr="), out);
    }

    @Test
    public void htmlReportEscapesConsoleTextAndHasBothPlots() throws Exception {
        Path dir = runDir("PASS", "ok", null);
        String html = HtmlReport.render(RunArtifacts.read(dir));
        assertFalse(html.contains("<evil"), "console text is escaped");
        assertTrue(html.contains("&lt;evil &amp; &quot;quoted&quot;&gt;"));
        assertTrue(html.contains("id=\"plot-lines\"") && html.contains("id=\"plot-flood\""));
        assertFalse(html.contains("http://") && html.contains("<script src"), "no network assets");
        FloodTelemetry.Summary t = FloodTelemetry.compute(RunArtifacts.read(dir).lines(),
                Instant.parse("2026-11-26T10:00:30Z").toEpochMilli(), 40L);
        assertEquals(t.printed(), 59);
        assertEquals(t.printedBeforeTrigger(), Long.valueOf(31));
        assertEquals(t.backlogAtTrigger(), Long.valueOf(9));
    }

    @Test
    public void halfWrittenRunDirectoryIsExplainedAndStillRendered() throws Exception {
        Path dir = runDir("PASS", "ok", null);
        Files.delete(dir.resolve("console.index.tsv"));
        Files.writeString(dir.resolve("result.json"), "{\"runId\": \"x\", \"status\": \"running\", \"steps\": [");
        List<String> problems = RunReports.write(dir);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("result.json is unreadable")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("console.index.tsv is missing")), problems.toString());
        String html = Files.readString(dir.resolve("index.html"));
        assertTrue(html.contains("This run directory is incomplete"));
        validate(Files.readString(dir.resolve("junit.xml")));

        Path empty = Files.createTempDirectory("not-a-run");
        List<String> p2 = RunReports.write(empty);
        assertTrue(p2.get(0).startsWith("result.json is missing"), p2.toString());
        assertTrue(Files.exists(empty.resolve("index.html")));
    }

    @Test
    public void aSequenceNumberGarbledUpwardsIsTakenBackWhenTheThreadGoesOnFromBelowIt() {
        // seq 3 of thread 0 arrived garbled as 300 (digits of the next line ran into it): one line missing, not 296
        java.util.List<FloodTelemetry.TimedLine> lines = new java.util.ArrayList<>();
        long[] seqs = {1, 2, 300, 4, 5};
        for (int i = 0; i < seqs.length; i++) {
            lines.add(new FloodTelemetry.TimedLine(1000 + i, "printk_spammer: t=0 seq=" + seqs[i]));
            lines.add(new FloodTelemetry.TimedLine(1000 + i, "printk_spammer: t=1 seq=" + (i + 1)));
        }
        lines.add(new FloodTelemetry.TimedLine(2000, "printk_spammer: t=1 seq=9"));
        FloodTelemetry.Summary s = FloodTelemetry.compute(lines, null, null);
        assertEquals(s.seqGaps(), 1 + 3, "thread 0: the garbled line; thread 1: a real gap of 3 (6, 7, 8)");
        assertEquals(s.maxSeqPerThread().get(0), Long.valueOf(5));
        assertEquals(s.emittedBySeq(), 5 + 9);
    }

    @Test
    public void aSequenceNumberGarbledDownwardsMovesNothing() {
        // seq 303 of thread 0 arrived as 3 (digits lost), then thread 1's seq 20 read as thread 0's: neither is a gap
        java.util.List<FloodTelemetry.TimedLine> lines = new java.util.ArrayList<>();
        long[] seqs = {300, 301, 302, 3, 304, 20, 305};
        for (int i = 0; i < seqs.length; i++) {
            lines.add(new FloodTelemetry.TimedLine(1000 + i, "printk_spammer: t=0 seq=" + seqs[i]));
        }
        FloodTelemetry.Summary s = FloodTelemetry.compute(lines, null, null);
        assertEquals(s.seqGaps(), 1, "303 (its line unreadable), not the 300 between 3 and 304 nor 284 after 20");
        assertEquals(s.printed(), 7, "every line printed counts");
        assertEquals(s.maxSeqPerThread().get(0), Long.valueOf(305));
    }

    /** The history page never shows a run as running forever: a later run on its host shows it was abandoned. */
    @Test
    public void theHistoryShowsARunLeftRunningAsAbandoned() {
        RunResult left = new RunResult();
        left.runId = "20261205-100000-virtual-lab-000000000001";
        left.target.host = "virtual-lab";
        left.startedAt = Instant.parse("2026-12-05T10:00:00Z");
        RunResult next = new RunResult();
        next.runId = "20261205-101000-virtual-lab-000000000002";
        next.target.host = "virtual-lab";
        next.startedAt = Instant.parse("2026-12-05T10:10:00Z");
        next.status = "finished";
        next.verdict = io.kdumplab.harness.verdict.Verdict.PASS;
        String html = HistoryReport.render(java.util.List.of(next, left));
        assertTrue(html.contains("<tr class=\"ABANDONED\">") && html.contains("ABANDONED (its host virtual-lab was used by run "
                + next.runId), html);
    }
}
