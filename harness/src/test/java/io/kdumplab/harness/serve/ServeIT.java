package io.kdumplab.harness.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.nightly.NightStore;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.TestDatabase;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * `harness serve` as a user starts it (its own process) over a real database with a night, a host's lease, queue and
 * health, and a history of runs: the API's JSON shapes, the pages, reports by run id, behind a proxy prefix and a
 * token; and what it must refuse: a wide bind without a token, a request without it, any path out of the reports root.
 */
@Test(groups = "db", singleThreaded = true)
public class ServeIT {
    private static final String TOKEN = "serve-it-token-" + Long.toHexString(System.nanoTime());
    private static final String RUN_OK = "20261205-101010-virtual-lab-0123456789ab";
    private static final String RUN_OUTSIDE = "20261205-111111-virtual-lab-ba9876543210";
    private static final String RUN_LIVE = "20261205-121212-virtual-lab-00112233aabb";
    private Path liveRun;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestDatabase tdb;
    private Path work;
    private Process server;
    private String base;

    @BeforeClass
    public void aServerOverANightAndAHistory() throws Exception {
        tdb = TestDatabase.create("serve_it");
        work = Files.createTempDirectory("serve-it");
        Path reports = Files.createDirectories(work.resolve("reports"));
        Path run = Files.createDirectories(reports.resolve(RUN_OK));
        Files.writeString(run.resolve("index.html"), "<html><body>report of " + RUN_OK + "</body></html>");
        Files.writeString(run.resolve("result.json"), "{\"runId\":\"" + RUN_OK + "\",\"verdict\":\"FAIL\"}");
        Files.writeString(run.resolve("console.log"), "[ 1.0] printk_spammer: t=0 seq=1\n");
        Path bisection = Files.createDirectories(reports.resolve("bisect-builds-virtual-lab"));
        Files.writeString(bisection.resolve("bisect.json"), "{\"schema\":\"kdump-harness/bisect/1\",\"status\":\"RUNNING\","
                + "\"host\":\"virtual-lab\",\"updatedAt\":\"2026-12-05T10:00:00Z\",\"judgedTrials\":3,\"machineSeconds\":420.0,"
                + "\"builds\":[{\"name\":\"02-b\",\"probabilityFirstBad\":0.7},{\"name\":\"03-c\",\"probabilityFirstBad\":0.3}]}");
        // the run the nightly's lease is for now, as its orchestrator writes it: result.json at every change, the console
        liveRun = Files.createDirectories(reports.resolve("nightly/lab-it/2026-12-05/runs").resolve(RUN_LIVE));
        liveResult("spammer", "running");
        Files.writeString(liveRun.resolve("console.log"), "[ 9.0] printk_spammer: t=0 seq=1\r\n[ 9.1] printk_spammer: t=1 seq=1\n");
        Path outside = Files.createDirectories(work.resolve("elsewhere").resolve(RUN_OUTSIDE));
        Files.writeString(outside.resolve("result.json"), "{\"secret\":\"outside the root\"}");
        try (Database db = tdb.open(2); Connection c = db.connection(); Statement st = c.createStatement()) {
            NightStore store = new NightStore(db);
            store.recordRun("repro", "virtual-lab", "6.1.0-x-amd64", "seed", "FAIL", "hang: no capture kernel",
                    run.toString(), "stopped before the capture kernel");
            store.recordRun("repro", "r740-03", "6.1.0-x-amd64", "seed", "PASS", "vmcore saved", outside.toString(), null);
            store.health("r740-03", false, "BMC does not answer");
            st.execute("insert into night (id, plan_name, night, budget_seconds, deadline) values ('lab-it/2026-12-05', "
                    + "'lab-it', date '2026-12-05', 3600, now() + interval '1 hour')");
            st.execute("insert into cell (night_id, cell_key, lab, host, kernel, build, scenario, repeat, seq, state, verdict,"
                    + " reason, report, diagnosis) values ('lab-it/2026-12-05', 'virtual-lab|rt|seed|1', 'default', 'virtual-lab',"
                    + " 'rt', '6.1.0-x-rt-amd64', 'seed', 1, 1, 'DONE', 'FAIL', 'hang', '" + run + "', 'console backed up')");
            // the night before, the same cell passed: tonight's FAIL is a regression
            st.execute("insert into night (id, plan_name, night, budget_seconds, deadline) values ('lab-it/2026-12-04', "
                    + "'lab-it', date '2026-12-04', 3600, now() - interval '1 day')");
            st.execute("insert into cell (night_id, cell_key, lab, host, kernel, build, scenario, repeat, seq, state, verdict,"
                    + " reason, report) values ('lab-it/2026-12-04', 'virtual-lab|rt|seed|1', 'default', 'virtual-lab',"
                    + " 'rt', '6.1.0-w-rt-amd64', 'seed', 1, 1, 'DONE', 'PASS', 'vmcore saved', '" + reports.resolve(RUN_OUTSIDE) + "')");
            // the cell's first attempt was interrupted (its orchestrator killed), the second, another orchestrator's, failed
            st.execute("insert into attempt (night_id, cell_key, holder, lease_token, state, verdict, reason, report) values"
                    + " ('lab-it/2026-12-05', 'virtual-lab|rt|seed|1', 'orchestrator-0', 41, 'INTERRUPTED', null, 'taken over',"
                    + " null), ('lab-it/2026-12-05', 'virtual-lab|rt|seed|1', 'orchestrator-1', 42, 'DONE', 'FAIL', 'hang', '"
                    + run + "')");
            st.execute("insert into host_lease (host, holder, kind, token, acquired_at, expires_at, run_id, run_dir) values"
                    + " ('virtual-lab', 'orchestrator-1', 'NIGHTLY', 42, now(), now() + interval '1 hour', '" + RUN_LIVE + "', '"
                    + liveRun + "')");
            st.execute("insert into lease_request (host, holder, kind) values ('virtual-lab', 'repro run x', 'ON_DEMAND')");
        }
        Path log = work.resolve("serve.log");
        server = start(log, "--bind", "127.0.0.1:0", "--base-path", "/harness", "--reports", reports.toString());
        Matcher m = Pattern.compile("serving (http://127\\.0\\.0\\.1:\\d+/harness)/").matcher("");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end && !m.reset(Files.readString(log)).find()) {
            assertTrue(server.isAlive(), Files.readString(log));
            Thread.sleep(100);
        }
        assertTrue(m.reset(Files.readString(log)).find(), Files.readString(log));
        base = m.group(1);
    }

    private void liveResult(String step, String status) throws Exception {
        Path tmp = liveRun.resolve("result.json.tmp");
        Files.writeString(tmp, "{\"runId\":\"" + RUN_LIVE + "\",\"status\":\"" + status + "\",\"lastPhase\":\"SPAMMER_ON\","
                + "\"startedAt\":\"2026-12-05T12:12:12Z\",\"steps\":[{\"name\":\"preflight\",\"timeoutSeconds\":60,"
                + "\"startedAt\":\"2026-12-05T12:12:12Z\",\"durationMillis\":900,\"status\":\"ok\"},{\"name\":\"" + step
                + "\",\"timeoutSeconds\":600,\"startedAt\":\"2026-12-05T12:12:20Z\",\"status\":\"running\"}]}");
        Files.move(tmp, liveRun.resolve("result.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private Process start(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main", "serve"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(tdb.childEnvironment());
        pb.environment().put("HARNESS_SERVE_TOKEN", TOKEN);
        // not tracked by ChildProcesses, which kills tracked children after every test method: the server lives for
        // the whole class and is stopped (SIGTERM) in stop()
        return pb.start();
    }

    private HttpResponse<String> get(String path, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (withToken) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode api(String path) throws Exception {
        HttpResponse<String> r = get(path, true);
        assertEquals(r.statusCode(), 200, path + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), path);
        assertFalse(r.body().contains(TOKEN), "no token served");
        return JSON.readTree(r.body());
    }

    @Test
    public void theApiCarriesHostsNightsCellsAndRunsInTheirShapes() throws Exception {
        JsonNode hosts = api("/api/hosts");
        assertEquals(hosts.size(), 2, hosts.toString());
        JsonNode lab = hosts.get(1).get("name").asText().equals("virtual-lab") ? hosts.get(1) : hosts.get(0);
        assertEquals(lab.at("/lease/holder").asText(), "orchestrator-1");
        assertEquals(lab.at("/lease/kind").asText(), "NIGHTLY");
        assertEquals(lab.at("/lease/token").asLong(), 42L);
        assertEquals(lab.at("/queue/0/position").asInt(), 1);
        assertEquals(lab.at("/queue/0/kind").asText(), "ON_DEMAND");
        assertEquals(lab.at("/lastRuns/0/runId").asText(), RUN_OK);
        JsonNode r740 = hosts.get(0).get("name").asText().equals("r740-03") ? hosts.get(0) : hosts.get(1);
        assertFalse(r740.get("healthy").asBoolean());
        assertEquals(r740.get("healthReason").asText(), "BMC does not answer");

        JsonNode nights = api("/api/nights");
        assertEquals(nights.get(0).get("id").asText(), "lab-it/2026-12-05");
        assertEquals(nights.get(0).at("/verdicts/FAIL").asInt(), 1);
        JsonNode cells = api("/api/night?id=lab-it%2F2026-12-05");
        assertEquals(cells.get(0).get("kernel").asText(), "rt");
        assertEquals(cells.get(0).get("diagnosis").asText(), "console backed up", "the diagnosis in a field of its own");
        assertEquals(cells.get(0).get("runId").asText(), RUN_OK);
        assertEquals(cells.get(0).at("/attemptHistory/0/state").asText(), "INTERRUPTED", "every attempt, the taken-over one too");
        assertEquals(cells.get(0).at("/attemptHistory/1/holder").asText(), "orchestrator-1");
        assertEquals(cells.get(0).at("/attemptHistory/1/leaseToken").asLong(), 42L);

        JsonNode comparison = api("/api/night/comparison?id=lab-it%2F2026-12-05");
        assertEquals(comparison.size(), 1, comparison.toString());
        assertEquals(comparison.at("/0/status").asText(), "REGRESSION", comparison.toString());
        assertEquals(comparison.at("/0/tonight/0/runId").asText(), RUN_OK);
        assertEquals(comparison.at("/0/earlier/0/night").asText(), "2026-12-04");
        assertEquals(comparison.at("/0/earlier/0/verdict").asText(), "PASS");
        assertEquals(comparison.at("/0/earlier/0/build").asText(), "6.1.0-w-rt-amd64");
        assertEquals(comparison.at("/0/failDiagnoses/0").asText(), "FAIL: console backed up", comparison.toString());

        JsonNode bisections = api("/api/bisections");
        assertEquals(bisections.size(), 1, bisections.toString());
        assertEquals(bisections.get(0).get("dir").asText(), "bisect-builds-virtual-lab");
        assertEquals(bisections.get(0).get("judgedTrials").asInt(), 3);
        assertTrue(get("/bisections", true).body().contains("02-b 70%"), "the current interval, most likely first");

        JsonNode fails = api("/api/runs?verdict=FAIL");
        assertEquals(fails.size(), 1, fails.toString());
        assertEquals(fails.get(0).get("host").asText(), "virtual-lab");
        assertTrue(fails.get(0).get("at").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), fails.toString());
        assertEquals(api("/api/runs?host=r740-03").size(), 1);
        assertEquals(api("/api/runs?since=2999-01-01").size(), 0);
        assertEquals(get("/api/runs?limit=many", true).statusCode(), 400, "a bad filter is the client's error");
        assertEquals(get("/api/night", true).statusCode(), 400);
    }

    /**
     * The run a lease is for, live: its step in the API and on the hosts page, its console as server-sent events that
     * follow console.log (new lines arrive without asking again; a new step too), never its local path.
     */
    @Test
    public void theRunInProgressShowsItsStepAndItsConsoleArrivesAsItIsWritten() throws Exception {
        HttpResponse<String> raw = get("/api/hosts", true);
        assertFalse(raw.body().contains(liveRun.toString()), "no local path in the API");
        JsonNode hosts = JSON.readTree(raw.body());
        JsonNode lab = hosts.get(1).get("name").asText().equals("virtual-lab") ? hosts.get(1) : hosts.get(0);
        assertEquals(lab.at("/lease/runId").asText(), RUN_LIVE);
        assertEquals(lab.at("/live/step").asText(), "spammer");
        assertEquals(lab.at("/live/status").asText(), "running");
        assertEquals(lab.at("/live/lastPhase").asText(), "SPAMMER_ON");
        String page = get("/", true).body();
        assertTrue(page.contains("data-src=\"/harness/api/runs/" + RUN_LIVE + "/console\"") && page.contains("/harness/live.js"), page);
        assertTrue(get("/live.js", true).body().contains("new EventSource"));
        assertEquals(get("/runs/" + RUN_LIVE + "/result.json", true).statusCode(), 200, "a live run's files by its id");

        java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
        var stream = http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/runs/" + RUN_LIVE + "/console"))
                .header("Authorization", "Bearer " + TOKEN).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        HttpResponse<java.util.stream.Stream<String>> r = stream.get(10, TimeUnit.SECONDS);
        assertEquals(r.statusCode(), 200);
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), r.headers().toString());
        Thread reader = new Thread(() -> r.body().forEach(events::add), "sse-reader");
        reader.setDaemon(true);
        reader.start();
        String seen = awaitEvent(events, "printk_spammer: t=1 seq=1", "");
        assertTrue(seen.contains("printk_spammer: t=0 seq=1") && !seen.contains("\\r"), "the backlog, without carriage returns: " + seen);
        Files.writeString(liveRun.resolve("console.log"), "[ 9.2] Kernel panic - not syncing: NMI: Not continuing\n",
                java.nio.file.StandardOpenOption.APPEND);
        awaitEvent(events, "Kernel panic - not syncing: NMI", seen);
        liveResult("outcome", "running");
        awaitEvent(events, "\"step\":\"outcome\"", "");
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(base
                + "/api/runs/20261205-000000-nohost-000000000000/console")).header("Authorization", "Bearer " + TOKEN)
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(unknown.body().contains("event: end"), "an unknown run: the stream ends at once: " + unknown.body());
    }

    /** Debian's chromium: a user logs in, the hosts page follows the run in progress without a reload, no script error. */
    @Test
    public void inABrowserTheHostsPageFollowsTheRunInProgressWithoutAReload() throws Exception {
        try (io.kdumplab.harness.support.Browser b = new io.kdumplab.harness.support.Browser()) {
            b.open(base + "/login");
            b.driver().findElement(org.openqa.selenium.By.name("token")).sendKeys(TOKEN);
            b.driver().findElement(org.openqa.selenium.By.tagName("form")).submit();
            awaitBrowser(b, () -> b.source().contains("run in progress"), "the hosts page after the login");
            b.script("window.harnessMarker = 'no reload'");
            awaitBrowser(b, () -> String.valueOf(b.textContent("pre.tail")).contains("printk_spammer: t=1 seq=1"), "the backlog");
            Files.writeString(liveRun.resolve("console.log"), "[ 9.3] browser-it: a line written after the page loaded\n",
                    java.nio.file.StandardOpenOption.APPEND);
            awaitBrowser(b, () -> String.valueOf(b.textContent("pre.tail")).contains("a line written after the page loaded"),
                    "the new console line");
            assertEquals(b.script("return window.harnessMarker"), "no reload", "the page was not reloaded");
            for (String page : List.of("/nights", "/night?id=lab-it%2F2026-12-05", "/runs", "/bisections")) {
                b.open(base + page);
                assertFalse(b.source().contains(TOKEN), "no token in " + page);
            }
            assertTrue(b.errors().isEmpty(), "no script error on any page: " + b.errors());
        }
    }

    private static void awaitBrowser(io.kdumplab.harness.support.Browser b, java.util.function.BooleanSupplier ok, String what)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (ok.getAsBoolean()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no " + what + " within 20 s; the page:\n" + b.source());
    }

    private static String awaitEvent(java.util.concurrent.BlockingQueue<String> events, String needle, String before)
            throws Exception {
        StringBuilder all = new StringBuilder(before);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < end) {
            String l = events.poll(250, TimeUnit.MILLISECONDS);
            if (l != null) {
                all.append(l).append('\n');
                if (l.contains(needle)) {
                    return all.toString();
                }
            }
        }
        throw new AssertionError("no event with '" + needle + "' within 15 s:\n" + all);
    }

    @Test
    public void pagesAndReportsAreServedByRunIdUnderTheProxyPrefix() throws Exception {
        HttpResponse<String> hosts = get("/", true);
        assertEquals(hosts.statusCode(), 200);
        assertTrue(hosts.body().contains("href=\"/harness/runs/" + RUN_OK + "/index.html\""), "links under the prefix");
        assertTrue(hosts.body().contains("orchestrator-1") && hosts.body().contains("BMC does not answer"), hosts.body());
        assertTrue(get("/nights", true).body().contains("/harness/night?id=lab-it%2F2026-12-05"));
        String night = get("/night?id=lab-it%2F2026-12-05", true).body();
        assertTrue(night.contains("console backed up") && night.contains("INTERRUPTED") && night.contains("orchestrator-0"), night);
        String regressions = night.substring(night.indexOf("<h2>Regressions"), night.indexOf("<h2>Against earlier nights"));
        assertTrue(regressions.contains("REGRESSION") && regressions.contains("2026-12-04") && regressions.contains("6.1.0-w-rt-amd64"),
                "the regression with the night before's PASS beside it: " + regressions);
        HttpResponse<String> runs = get("/runs?verdict=FAIL", true);
        assertTrue(runs.body().contains("/harness/runs/" + RUN_OK + "/console.log"), runs.body());
        HttpResponse<String> report = get("/runs/" + RUN_OK + "/index.html", true);
        assertEquals(report.statusCode(), 200);
        assertTrue(report.body().contains("report of " + RUN_OK));
        assertEquals(get("/runs/" + RUN_OK + "/result.json", true).headers().firstValue("Content-Type").orElse(""),
                "application/json");
        for (String page : List.of("/", "/nights", "/runs", "/night?id=lab-it%2F2026-12-05", "/api/hosts", "/api/runs")) {
            assertFalse(get(page, true).body().contains(TOKEN), "no token on " + page);
        }
    }

    @Test
    public void nothingWithoutTheTokenAndNothingOutsideTheReportsRoot() throws Exception {
        for (String path : List.of("/", "/api/hosts", "/runs/" + RUN_OK + "/index.html")) {
            HttpResponse<String> r = get(path, false);
            assertEquals(r.statusCode(), 401, path);
            assertFalse(r.body().contains("orchestrator-1") || r.body().contains("report of"), path);
        }
        // a browser logs in once: the form without a token, then a cookie (HttpOnly, SameSite=Strict) for the pages
        assertEquals(get("/login", false).statusCode(), 200);
        assertEquals(get("/runs/" + RUN_OK + "/login", false).statusCode(), 401, "only the login page itself is open");
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + java.net.URLEncoder.encode(TOKEN,
                        java.nio.charset.StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(login.statusCode(), 302, login.body());
        String cookie = login.headers().firstValue("Set-Cookie").orElse("");
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/harness"), cookie);
        HttpResponse<String> withCookie = http.send(HttpRequest.newBuilder(URI.create(base + "/"))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(withCookie.statusCode(), 200);
        HttpResponse<String> badLogin = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=guess")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(badLogin.statusCode(), 401);
        assertTrue(badLogin.headers().firstValue("Set-Cookie").isEmpty());

        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + "/api/hosts"))
                .header("Authorization", "Bearer " + TOKEN + "x").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(wrong.statusCode(), 401);
        // a run recorded with a report outside the root, files that are not a run's, ids that are not ids
        for (String path : List.of("/runs/" + RUN_OUTSIDE + "/result.json", "/runs/" + RUN_OK + "/..%2F..%2Fserve.log",
                "/runs/" + RUN_OK + "/disk.qcow2", "/runs/..%2F" + RUN_OK + "/index.html", "/runs/%2e%2e/index.html",
                "/runs/" + RUN_OK + "/%2e%2e")) {
            HttpResponse<String> r = get(path, true);
            assertTrue(r.statusCode() == 404 || r.statusCode() == 400, path + ": " + r.statusCode());
            assertFalse(r.body().contains("outside the root") || r.body().contains("serving http"), path + ": " + r.body());
        }
    }

    @Test
    public void aBindBeyondLoopbackWithoutATokenIsAUsageErrorBeforeAnythingStarts() throws Exception {
        Path log = work.resolve("wide.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main", "serve", "--bind", "0.0.0.0:0",
                "--reports", work.resolve("reports").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("HARNESS_SERVE_TOKEN");
        Process p = ChildProcesses.track(pb.start());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 2, out);
        assertTrue(out.contains("--bind 0.0.0.0:0 reaches beyond this machine and no token is set"), out);
        assertFalse(out.contains("serving"), out);
    }

    @AfterClass(alwaysRun = true)
    public void stop() throws Exception {
        if (server != null) {
            server.destroy(); // SIGTERM: the server stops and closes its database
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server stops on SIGTERM");
        }
        if (tdb != null) {
            tdb.close();
        }
    }
}
