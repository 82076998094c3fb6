package io.kdumplab.harness.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kdumplab.harness.run.RunResult;
import io.kdumplab.harness.util.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * N runs of one scenario on one host (`repro --runs N`): verdict counts and the repro rate with a 95% Wilson
 * interval. Only PASS and FAIL count; runs that could not be judged are listed apart, never in the rate.
 * Written to reports/series/SERIES.json and SERIES.xml (one JUnit testcase per run); the history page lists them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Series {
    public String seriesId;
    public String host;
    public String kernel;
    public String scenario;
    public int runsPlanned;
    public Map<String, Integer> verdicts = new LinkedHashMap<>();
    public int judged;
    public int failures;
    public Double reproRate;
    public Double reproRateLow95;
    public Double reproRateHigh95;
    public List<String> runIds = new ArrayList<>();
    /** Runs that were not judged (infrastructure, precondition, interrupted, harness errors): id, verdict, reason. */
    public List<String> notJudged = new ArrayList<>();
    public String stoppedBecause;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    public static Series of(String seriesId, int planned, List<RunResult> runs, String stoppedBecause) {
        Series s = new Series();
        s.seriesId = seriesId;
        s.runsPlanned = planned;
        s.stoppedBecause = stoppedBecause;
        for (RunResult r : runs) {
            s.runIds.add(r.runId);
            s.verdicts.merge(String.valueOf(r.verdict), 1, Integer::sum);
            s.host = r.target.host != null ? r.target.host : s.host;
            s.kernel = r.target.kernel != null ? r.target.kernel : s.kernel;
            s.scenario = JUnitReport.scenarioName(r);
            if (r.verdict != null && r.verdict.judgesTheKernel()) {
                s.judged++;
                s.failures += r.verdict == io.kdumplab.harness.verdict.Verdict.FAIL ? 1 : 0;
            } else {
                s.notJudged.add(r.runId + " " + r.verdict + ": " + r.reason);
            }
        }
        if (s.judged > 0) {
            double[] w = wilson(s.failures, s.judged);
            s.reproRate = (double) s.failures / s.judged;
            s.reproRateLow95 = w[0];
            s.reproRateHigh95 = w[1];
        }
        return s;
    }

    /** The 95% Wilson score interval of k successes in n trials (well-behaved at 0 and n, unlike the normal one). */
    public static double[] wilson(int k, int n) {
        double z = 1.959964;
        double p = (double) k / n;
        double denom = 1 + z * z / n;
        double centre = (p + z * z / (2.0 * n)) / denom;
        double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denom;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** 0 if every judged run passed, 1 if any failed, 125 if none could be judged. */
    public int exitCode() {
        return judged == 0 ? 125 : failures > 0 ? 1 : 0;
    }

    public String line() {
        return String.format(java.util.Locale.ROOT, "%d run(s): %s; repro rate %s%s", runIds.size(), verdicts,
                reproRate == null ? "n/a (no judged run)" : String.format(java.util.Locale.ROOT, "%d/%d = %.0f%% (95%% CI %.0f%%-%.0f%%)",
                        failures, judged, 100 * reproRate, 100 * reproRateLow95, 100 * reproRateHigh95),
                notJudged.isEmpty() ? "" : "; not judged (excluded from the rate): " + notJudged.size());
    }

    public void write(Path reportsRoot) {
        Path dir = reportsRoot.resolve("series");
        try {
            Files.createDirectories(dir);
            AtomicFiles.write(dir.resolve(seriesId + ".json"), JSON.writeValueAsString(this) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<RunArtifacts> runs = runIds.stream().map(id -> RunArtifacts.read(reportsRoot.resolve(id))).toList();
        JUnitReport.write(dir.resolve(seriesId + ".xml"), "kdump-harness repro series " + seriesId, runs);
        HistoryReport.write(reportsRoot);
    }

    public static List<Series> readAll(Path reportsRoot) {
        List<Series> all = new ArrayList<>();
        Path dir = reportsRoot.resolve("series");
        if (!Files.isDirectory(dir)) {
            return all;
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".json")).sorted()::iterator) {
                try {
                    all.add(new ObjectMapper().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                            .readValue(f.toFile(), Series.class));
                } catch (IOException ignored) {
                    // a half-written summary; the next write replaces it
                }
            }
        } catch (IOException ignored) {
            // no series yet
        }
        return all;
    }
}
