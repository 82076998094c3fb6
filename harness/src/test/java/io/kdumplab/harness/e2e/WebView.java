package io.kdumplab.harness.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.support.Browser;
import io.kdumplab.harness.support.ChildProcesses;
import io.kdumplab.harness.support.TestDatabase;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * `harness serve` over a nightly's database and reports, as a user starts it, and Debian's chromium looking at it
 * (logged in with the server's token). Every byte it serves is kept, for the secrets scan at the end.
 */
final class WebView implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final String token = "webview-token-" + Long.toHexString(System.nanoTime());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Process server;
    private final StringBuilder served = new StringBuilder();
    final String base;
    final Browser browser;

    WebView(TestDatabase tdb, Path reports, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.kdumplab.harness.cli.Main", "serve", "--bind", "127.0.0.1:0",
                "--reports", reports.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(tdb.childEnvironment());
        pb.environment().put("HARNESS_SERVE_TOKEN", token);
        server = ChildProcesses.track(pb.start());
        Matcher m = Pattern.compile("serving (http://127\\.0\\.0\\.1:\\d+)/").matcher("");
        await(() -> {
            try {
                return m.reset(Files.readString(log)).find() || !server.isAlive();
            } catch (java.io.IOException e) {
                return false;
            }
        }, Duration.ofSeconds(60), "harness serve listening");
        assertTrue(server.isAlive(), Files.readString(log));
        base = m.group(1);
        browser = new Browser();
        browser.open(base + "/login");
        browser.driver().findElement(org.openqa.selenium.By.name("token")).sendKeys(token);
        browser.driver().findElement(org.openqa.selenium.By.tagName("form")).submit();
        await(() -> browser.source().contains("<h1>Hosts</h1>"), Duration.ofSeconds(20), "the hosts page after the login");
    }

    /** An API answer (with the token), kept for the secrets scan. */
    JsonNode api(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200, path + ": " + r.statusCode() + " " + r.body());
        served.append(r.body());
        return JSON.readTree(r.body());
    }

    /** Opens a page in the browser and keeps what it shows. */
    String open(String path) {
        browser.open(base + path);
        String s = browser.source();
        served.append(s);
        return s;
    }

    /** No secret in anything served so far (pages, API answers, the live console tail as the browser showed it). */
    void assertServedNothingOf(String what, String secret) {
        served.append(browser.source());
        assertFalse(served.indexOf(secret) >= 0, what + " was served");
    }

    void keep(String text) {
        served.append(text);
    }

    static void await(BooleanSupplier ok, Duration max, String what) {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (ok.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
        throw new AssertionError("no " + what + " within " + max.toSeconds() + " s");
    }

    @Override
    public void close() {
        browser.close();
        server.destroy();
    }
}
