package io.kdumplab.harness.report;

import io.kdumplab.harness.support.Chromium;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * The HTML report of a real virtual-lab run opened in headless Chromium: no JavaScript errors, both plots drawn.
 * The screenshot is kept in target/report-screenshots/.
 */
@Test(groups = "lab")
public class HtmlReportIT {

    @Test
    public void realRunReportRendersInChromiumWithPlots() throws Exception {
        // a real run of this suite (ReproIT) when there is one, else a fresh one
        Path run = newestPassingRun().orElseGet(() -> {
            var fresh = io.kdumplab.harness.run.ReproIT.run(io.kdumplab.harness.run.ReproIT.host("tcp"),
                    io.kdumplab.harness.run.Scenario.seed(), true);
            fresh.execute();
            return fresh.dir();
        });
        RunReports.write(run);
        Path page = run.resolve("index.html");
        String dom = Chromium.dumpDom(page);
        assertTrue(dom.contains("data-report=\"ok\""), "report canary: " + dom.substring(0, Math.min(400, dom.length())));
        assertFalse(dom.matches("(?s).*<body[^>]*data-js-errors=.*"), "JavaScript errors in the report");
        Path shots = Files.createDirectories(Path.of("target", "report-screenshots"));
        Path png = shots.resolve(run.getFileName() + ".png");
        var o = Chromium.screenshot(page, png);
        assertTrue(Files.size(png) > 20_000, "screenshot written: " + o.output());
        Path history = run.getParent().resolve("index.html");
        assertTrue(Chromium.dumpDom(history).contains("data-report=\"ok\""), "history page works");
        Chromium.screenshot(history, shots.resolve("history.png"));
    }

    static Optional<Path> newestPassingRun() throws Exception {
        Path root = Path.of("target", "it-reports");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).filter(d -> {
                try {
                    return Files.readString(d.resolve("result.json")).contains("\"verdict\" : \"PASS\"");
                } catch (Exception e) {
                    return false;
                }
            }).max(Comparator.naturalOrder());
        }
    }
}
