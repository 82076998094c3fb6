package io.kdumplab.harness.e2e;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.verdict.Verdict;

import io.kdumplab.harness.device.ssh.SshShell;
import io.kdumplab.harness.lab.DemoBuilds;
import io.kdumplab.harness.lab.GuestImage;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.nightly.CellRow;
import io.kdumplab.harness.nightly.NightStore;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.verdict.Diagnosis;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.HarnessProcess;
import io.kdumplab.harness.support.LabFixture;
import io.kdumplab.harness.support.TestDatabase;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

/**
 * Two nights on the virtual lab, one host. Night 1 runs a series of demo
 * builds, whose newest is good; night 2 a newer build (its boot loads
 * panic_wedge) has arrived and the PREEMPT_RT kernel joins the plan: the
 * regression is flagged with its evidence and the night-1 PASS beside it, the
 * new PREEMPT_RT cell stays unflagged. During night 2 an on-demand repro against the leased host is
 * refused with --no-wait (naming the holder) and waits otherwise.
 *
 * It also carries what single runs asserted before the nightly existed, so no
 * crash cycle is paid twice: the seed experiment on the PREEMPT_RT kernel with
 * the host's default boot entry left alone (the RT cell is booted by the
 * wedge's power cycle: the chained boot), and
 * a real hang recovered by a power cycle with its diagnosis.
 */
@Test(groups = "lab", singleThreaded = true)
public class NightlyLabIT {
    @Test
    public void aNewBuildThatHangsTheDumpIsFlaggedAsARegressionNextMorning() throws Exception {
        LabFixture.up();
        final String RT = LabFixture.kernels().rt();
        TestDatabase tdb = TestDatabase.create("nightly_lab");
        Path work = Files.createTempDirectory("nightly-lab");
        GuestImage image = LabFixture.lab().image();
        List<String> kernels = new ArrayList<>(image.kernels().bisection());
        kernels = kernels.subList(kernels.size() - 3, kernels.size());
        Path all = work.resolve("all-builds");
        new DemoBuilds(LabPaths.fromEnvironment().cacheRoot(), System.err::println).create(all, kernels, 2, 100);
        List<Path> builds;
        try (var s = Files.list(all)) {
            builds = s.sorted().toList();
        }
        Path series = Files.createDirectories(work.resolve("series"));
        for (Path b : builds.subList(0, 2)) {
            Files.createSymbolicLink(series.resolve(b.getFileName()), b);
        }
        Files.writeString(work.resolve("inv.yaml"), "hosts:\n  - name: virtual-lab\n    lab: " + LabFixture.NAME
                + "\n    console: {type: tcp}\n    distro: debian\n");
        // night 1 runs the series alone (its PASS is what night 2 is compared with); the PREEMPT_RT column joins on
        // night 2, where the wedge's power cycle boots it (one crash cycle less than both columns on both nights)
        Path plan1 = work.resolve("nightly-1.yaml");
        Files.writeString(plan1, "name: lab-it\ninventory: inv.yaml\nbudget: 1h\nhosts: [virtual-lab]\nkernels:\n"
                + "  - {name: nightly, series: series}\nscenarios: [seed]\nhang_after: 30s\n");
        Path plan = work.resolve("nightly.yaml");
        Files.writeString(plan, "name: lab-it\ninventory: inv.yaml\nbudget: 1h\nhosts: [virtual-lab]\nkernels:\n"
                + "  - {name: rt, release: " + RT + "}\n  - {name: nightly, series: series}\nscenarios: [seed]\nhang_after: 30s\n");
        Path reports = work.resolve("reports");
        String grubBefore = grubenv();

        Process n1 = harness(tdb, work.resolve("night1.log"), "nightly", "run", plan1.toString(), "--night", "2026-11-26",
                "--reports", reports.toString());
        assertTrue(n1.waitFor(30, TimeUnit.MINUTES));
        String log1 = Files.readString(work.resolve("night1.log"));
        assertEquals(n1.exitValue(), 0, "night 1: no regression\n" + log1);

        // the newer build arrives in the series
        Files.createSymbolicLink(series.resolve(builds.get(2).getFileName()), builds.get(2));
        Process n2 = harness(tdb, work.resolve("night2.log"), "nightly", "run", plan.toString(), "--night", "2026-11-27",
                "--reports", reports.toString());
        try (Database db = tdb.open(2)) {
            String holder = awaitLease(db, Duration.ofMinutes(5));
            Process refused = harness(tdb, work.resolve("repro-nowait.log"), "repro", "-i", work.resolve("inv.yaml").toString(),
                    "--host", "virtual-lab", "--no-wait", "--reports", reports.resolve("od").toString());
            assertTrue(refused.waitFor(2, TimeUnit.MINUTES));
            String out = Files.readString(work.resolve("repro-nowait.log"));
            assertEquals(refused.exitValue(), 125, out);
            assertTrue(out.contains("held by " + holder) && out.contains("(NIGHTLY) since"), "names the holder: " + out);
            Process waits = harness(tdb, work.resolve("repro-wait.log"), "repro", "-i", work.resolve("inv.yaml").toString(),
                    "--host", "virtual-lab", "--lease-wait", "15", "--reports", reports.resolve("od").toString());
            assertTrue(waits.waitFor(2, TimeUnit.MINUTES));
            String wout = Files.readString(work.resolve("repro-wait.log"));
            assertTrue(wout.contains("queue position 1, waiting"), "waited in the host's queue: " + wout);
            assertTrue(wout.contains("gave up after"), wout);
            // an orchestrator on another database does not see the nightly's lease, only its claim on the host
            awaitText(work.resolve("night2.log"), "claim on virtual-lab taken", Duration.ofMinutes(3));
            try (TestDatabase other = TestDatabase.create("other_site")) {
                long t0 = System.nanoTime();
                Process elsewhere = harness(other, work.resolve("repro-other-site.log"), "repro", "-i",
                        work.resolve("inv.yaml").toString(), "--host", "virtual-lab", "--no-wait", "--reports",
                        reports.resolve("od").toString());
                assertTrue(elsewhere.waitFor(2, TimeUnit.MINUTES));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String eout = Files.readString(work.resolve("repro-other-site.log"));
                assertEquals(elsewhere.exitValue(), 125, eout);
                assertTrue(eout.contains("is claimed by nightly run lab-it/2026-11-27 cells on virtual-lab"),
                        "names the nightly from its claim: " + eout);
                assertTrue(ms < 10_000, "refused in " + ms + " ms");
            }
        }
        // the lab in a browser during night 2: harness serve over the nightly's database and reports, Debian's chromium
        WebView web = new WebView(tdb, reports, work.resolve("serve.log"));
        try {
            watchTheRtCellLive(web, work.resolve("night2.log"));
        } catch (AssertionError | RuntimeException e) {
            web.close();
            throw e;
        }
        assertTrue(n2.waitFor(30, TimeUnit.MINUTES));
        String log2 = Files.readString(work.resolve("night2.log"));
        assertEquals(n2.exitValue(), 1, "night 2: exit 1 on a regression\n" + log2);
        try (web) {
            theNightInTheBrowser(web, kernels.get(1));
        }

        try (Database db = tdb.open(2)) {
            NightStore store = new NightStore(db);
            List<CellRow> night2 = store.cells("lab-it/2026-11-27", null);
            CellRow rt = night2.stream().filter(c -> c.kernel().equals("rt")).findFirst().orElseThrow();
            CellRow nightly = night2.stream().filter(c -> c.kernel().equals("nightly")).findFirst().orElseThrow();
            assertEquals(rt.verdict(), "PASS", rt.reason());
            assertEquals(nightly.verdict(), "FAIL", nightly.reason());
            assertEquals(nightly.build(), kernels.get(2), "tonight's build is the newest of the series");
            rtRunOnTheRtKernel(Path.of(rt.report()));
            hangRecoveredByPowerCycle(Path.of(nightly.report()));
        }
        assertTrue(log2.indexOf("cell virtual-lab|nightly|seed|1") < log2.indexOf("cell virtual-lab|rt|seed|1"),
                "the build-installing column runs first: " + log2);
        assertTrue(log2.contains("the reboot after the crash boots " + RT) && log2.contains("already running " + RT),
                "the wedge's power cycle boots the RT cell's kernel: no boot of its own\n" + log2);
        assertEquals(grubenv(), grubBefore, "the host's default boot entry is what it was after two nights");
        try (SshShell t = LabFixture.ssh()) {
            assertEquals(t.check("uname -r", Duration.ofSeconds(10)), LabFixture.kernels().defaultKernel(), "the last dump's reboot returned to the default");
            assertEquals(t.check("grub-editenv list | grep -c '^next_entry=.' || true", Duration.ofSeconds(10)), "0",
                    "no one-time boot left armed");
            assertEquals(t.check("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(10)), "1", "kdump ready again");
            assertEquals(t.check("lsmod | grep -c -E '^(panic_wedge|printk_spammer) ' || true", Duration.ofSeconds(10)), "0");
        }
        String html = Files.readString(reports.resolve("nightly/lab-it/2026-11-27/index.html"));
        String regressions = html.substring(html.indexOf("<h2>Regressions"), html.indexOf("<h2>Matrix"));
        assertTrue(regressions.contains("nightly") && regressions.contains("2026-11-26") && regressions.contains("PASS")
                && regressions.contains(kernels.get(1)), "the regression with the night-1 PASS (its build) beside it:\n" + regressions);
        assertTrue(!regressions.contains(">rt<"), "the PREEMPT_RT cell is not flagged");
        String junit = Files.readString(reports.resolve("nightly/lab-it/2026-11-27/junit.xml"));
        assertTrue(junit.contains("failures=\"1\""), junit);
        System.err.println("nightly lab IT: night 1 and night 2 passed their checks; logs in " + work);
        tdb.close();
    }

    /**
     * During the night's PREEMPT_RT cell: the hosts page shows the host held by the nightly with the cell's run and its
     * step, and its console tail shows the spammer's lines, then the capture kernel starting, without a reload.
     */
    private static void watchTheRtCellLive(WebView web, Path night2) throws Exception {
        awaitText(night2, "cell virtual-lab|rt|seed|1", Duration.ofMinutes(15));
        java.util.regex.Pattern runLine = java.util.regex.Pattern.compile("run (\\S+) on virtual-lab: ");
        String[] rtRun = new String[1];
        WebView.await(() -> {
            try {
                String log = Files.readString(night2);
                java.util.regex.Matcher m = runLine.matcher(log);
                if (m.find(log.indexOf("cell virtual-lab|rt|seed|1"))) {
                    rtRun[0] = m.group(1);
                }
                return rtRun[0] != null;
            } catch (java.io.IOException e) {
                return false;
            }
        }, Duration.ofMinutes(3), "the RT cell's run");
        com.fasterxml.jackson.databind.JsonNode[] host = new com.fasterxml.jackson.databind.JsonNode[1];
        WebView.await(() -> {
            try {
                for (var h : web.api("/api/hosts")) {
                    if (h.path("name").asText().equals("virtual-lab") && rtRun[0].equals(h.at("/lease/runId").asText())
                            && h.hasNonNull("live")) {
                        host[0] = h;
                    }
                }
                return host[0] != null;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofMinutes(2), "the RT cell's run live in /api/hosts");
        assertEquals(host[0].at("/lease/kind").asText(), "NIGHTLY", host[0].toString());
        String page = web.open("/");
        assertTrue(page.contains(rtRun[0]) && page.contains("NIGHTLY") && page.contains("class=\"step\""), page);
        web.browser.script("window.harnessMarker = 'no reload'");
        String firstStep = web.browser.textContent("span.step");
        StringBuilder seen = new StringBuilder();
        java.util.function.Supplier<String> tail = () -> {
            String t = web.browser.textContent("pre.tail");
            seen.append(t == null ? "" : t).append('\n');
            return seen.toString();
        };
        WebView.await(() -> tail.get().contains("printk_spammer: t="), Duration.ofMinutes(4), "the spammer's lines in the tail");
        WebView.await(() -> tail.get().contains("elfcorehdr="), Duration.ofMinutes(5), "the capture kernel in the tail");
        assertEquals(web.browser.script("return window.harnessMarker"), "no reload", "followed without a page reload");
        String laterStep = web.browser.textContent("span.step");
        assertTrue(laterStep.contains("outcome") && !laterStep.equals(firstStep), "the step follows: " + firstStep + " -> " + laterStep);
        web.keep(seen.toString());
        System.err.println("web view: the RT cell's run " + rtRun[0] + " followed live (" + firstStep + " -> " + laterStep + ")");
    }

    /** After the night: its page lists the cells with their verdicts and the regression; a run's report opens. */
    private static void theNightInTheBrowser(WebView web, String lastGoodBuild) throws Exception {
        assertTrue(web.open("/nights").contains("lab-it/2026-11-27"));
        String night = web.open("/night?id=lab-it%2F2026-11-27");
        String regressions = night.substring(night.indexOf("<h2>Regressions"), night.indexOf("<h2>Against earlier nights"));
        assertTrue(regressions.contains("REGRESSION") && regressions.contains("nightly") && regressions.contains("2026-11-26")
                && regressions.contains(lastGoodBuild), "the regression with the night before's PASS beside it: " + regressions);
        assertTrue(night.contains(">PASS<") && night.contains(">FAIL<"), night);
        web.open("/runs");
        web.browser.driver().findElement(org.openqa.selenium.By.cssSelector("a.bad")).click();
        WebView.await(() -> web.browser.source().contains("FAIL") && web.browser.driver().getCurrentUrl().endsWith("/index.html"),
                Duration.ofSeconds(20), "a FAIL's report from the runs page");
        web.keep(web.browser.source());
        assertTrue(web.browser.errors().isEmpty(), "no script error on any page: " + web.browser.errors());
        String password = io.kdumplab.harness.inventory.Inventory.virtualLab(LabFixture.NAME, "tcp")
                .resolve("virtual-lab", LabFixture.lab().running()).bmc().password().reveal();
        web.assertServedNothingOf("the lab BMC's password", password);
        web.assertServedNothingOf("the server's token", web.token);
    }

    /** The seed experiment on PREEMPT_RT (formerly a repro --kernel run of its own). */
    private static void rtRunOnTheRtKernel(Path runDir) throws Exception {
        RunResult r = RunResult.read(runDir.resolve("result.json"));
        assertEquals(r.verdict, Verdict.PASS, r.reason);
        assertEquals(r.target.kernel, LabFixture.kernels().rt(), "ran on the PREEMPT_RT kernel");
        assertTrue(r.evidence.readable && r.evidence.vmcoreSize > 1_000_000, "a readable vmcore");
        System.err.printf("PREEMPT_RT seed cell: emitted at the NMI %s, spammer lines on the console %d, dropped %d, "
                        + "trigger->SSH back %.0f s, run %.0f s%n", r.console.spammerEmittedAtTrigger, r.console.spammerLines,
                r.console.droppedMessages, r.panicToSshBackSeconds, r.durationSeconds);
    }

    /** The real hang of the suite: the wedged panic path, recovered by a power cycle, diagnosed. */
    private static void hangRecoveredByPowerCycle(Path runDir) throws Exception {
        RunResult r = RunResult.read(runDir.resolve("result.json"));
        assertTrue(r.reason.startsWith("hang") && r.reason.contains("power cycle"), r.reason);
        assertTrue(r.phases.stream().anyMatch(p -> p.phase() == Phase.POWER_CYCLE));
        assertTrue(r.phases.stream().noneMatch(p -> p.phase() == Phase.CAPTURE_KERNEL), "no capture kernel");
        assertNull(r.evidence);
        assertTrue(r.hostBackInService, "host back in service");
        assertNotNull(r.diagnosis, "a FAIL carries a diagnosis");
        assertEquals(r.diagnosis.stoppedAt(), Diagnosis.Stop.BEFORE_CAPTURE_KERNEL);
        assertTrue(r.diagnosis.shortText().contains("stopped before the capture kernel"), r.diagnosis.shortText());
        assertTrue(java.util.List.of(Phase.NMI_SENT, Phase.NMI_SEEN, Phase.PANIC, Phase.SPAMMER_ON).contains(r.lastPhase),
                String.valueOf(r.lastPhase));
        assertTrue(r.diagnosis.facts().containsKey("consoleBacklogAtTrigger"), r.diagnosis.facts().toString());
        assertTrue(r.diagnosis.facts().containsKey("spammerEmittedAtTrigger"), r.diagnosis.facts().toString());
        assertFalse(r.diagnosis.lastKernelLines().isEmpty(), "last kernel lines before the stop");
        assertTrue(r.diagnosis.lastKernelLines().stream().noneMatch(l -> l.contains("elfcorehdr=")));
        assertFalse(Files.readString(runDir.resolve("console.log")).contains("elfcorehdr="), "the console shows no capture kernel");
    }

    private static String grubenv() {
        try (SshShell t = LabFixture.ssh()) {
            return LabFixture.grubenv(t);
        }
    }

    private static String awaitLease(Database db, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            try (Connection c = db.connection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select holder from host_lease where host = 'virtual-lab' and kind = 'NIGHTLY'"
                         + " and expires_at > now()")) {
                if (rs.next()) {
                    return rs.getString(1);
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("night 2 never took the host's lease");
    }

    private static void awaitText(Path log, String needle, Duration timeout) {
        io.kdumplab.harness.wait.Wait.until(io.kdumplab.harness.wait.Deadline.in("'" + needle + "' in " + log.getFileName(), timeout),
                Duration.ofMillis(200), () -> Files.readString(log).contains(needle)
                        ? io.kdumplab.harness.wait.Wait.Result.ready(true) : io.kdumplab.harness.wait.Wait.Result.notYet("not yet"));
    }

    private static Process harness(TestDatabase tdb, Path log, String... args) throws Exception {
        return HarnessProcess.start(tdb, log, args);
    }
}
