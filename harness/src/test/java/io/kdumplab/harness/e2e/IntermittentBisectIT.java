package io.kdumplab.harness.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.lab.DemoBuilds;
import io.kdumplab.harness.lab.LabPaths;
import io.kdumplab.harness.support.LabFixture;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * The long case (mvn -Pbisect-long, about 40 minutes): builds the lab image does not carry, so two
 * kernels are really installed with apt under TCG, and a regression that wedges only half of the
 * panics, bisected with a stated minimum repro rate of 40%.
 */
@Test(groups = {"lab", "e2e"}, singleThreaded = true)
public class IntermittentBisectIT {
    @Test
    public void intermittentRegressionOnFreshlyInstalledKernels() throws Exception {
        LabFixture.up();
        Path work = Files.createDirectories(Path.of("target", "it-bisect-long").toAbsolutePath());
        Path builds = work.resolve("builds");
        Path dir = work.resolve("bisect");
        BisectIT.deleteTree(dir);
        BisectIT.deleteTree(builds);
        // three builds older than the image's (so apt really installs them): the ABIs just below its oldest bisection build
        String oldest = LabFixture.kernels().bisection().get(0);
        java.util.regex.Matcher abi = java.util.regex.Pattern.compile("^(.*-)(\\d+)(-amd64)$").matcher(oldest);
        assertTrue(abi.matches(), oldest);
        int n = Integer.parseInt(abi.group(2));
        List<String> kernels = List.of(abi.group(1) + (n - 3) + abi.group(3), abi.group(1) + (n - 2) + abi.group(3),
                abi.group(1) + (n - 1) + abi.group(3));
        new DemoBuilds(LabPaths.fromEnvironment().cacheRoot(), System.err::println).create(builds, kernels, 1, 50);
        Path log = work.resolve("bisect.log");
        Files.deleteIfExists(log);
        Process p = HarnessProcess.start(work, log, "bisect", "run", "--builds", builds.toString(), "--min-repro-rate", "0.4",
                "--error-rate", "0.05", "--lab", LabFixture.NAME, "--dir", dir.toString(), "--hang-after", "30");
        assertTrue(p.waitFor(90, TimeUnit.MINUTES), "bisection did not finish in 90 minutes");
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 0, out);
        JsonNode state = new ObjectMapper().readTree(dir.resolve("bisect.json").toFile());
        assertEquals(state.get("answer").get("firstBad").asText(), "02-" + kernels.get(1), state.toPrettyString());
        assertTrue(out.contains("installing 01-" + kernels.get(0)), "a fresh kernel was installed with apt");
        System.err.println("intermittent bisection: " + state.get("runs") + " runs, machine "
                + state.get("machineSeconds") + " s, wall " + state.get("wallSeconds") + " s, estimated rate "
                + state.get("reproRateEstimate"));
    }
}
