package io.kdumplab.harness.report;

import io.kdumplab.harness.run.RunResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run directory as the reports see it: what is there, what is missing, and
 * the console lines with their arrival times (from console.index.tsv).
 * A half-written directory is read as far as it goes.
 */
public record RunArtifacts(Path dir, RunResult result, List<FloodTelemetry.TimedLine> lines, List<String> problems) {

    public static RunArtifacts read(Path dir) {
        List<String> problems = new ArrayList<>();
        RunResult result = null;
        Path json = dir.resolve("result.json");
        if (!Files.exists(json)) {
            problems.add("result.json is missing (the run never started, or its directory is not a run directory)");
        } else {
            try {
                result = RunResult.read(json);
                if (!"finished".equals(result.status)) {
                    io.kdumplab.harness.run.RunState st = io.kdumplab.harness.run.RunState.of(result, List.of());
                    problems.add(st.kind() == io.kdumplab.harness.run.RunState.Kind.ABANDONED
                            ? "the run was abandoned (" + st.why() + "): the report shows what was recorded before it stopped"
                            : "result.json says the run is '" + result.status + "': the report shows what was recorded so far");
                }
            } catch (IOException e) {
                problems.add("result.json is unreadable (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        List<FloodTelemetry.TimedLine> lines = new ArrayList<>();
        Path log = dir.resolve("console.log");
        Path index = dir.resolve("console.index.tsv");
        if (!Files.exists(log)) {
            problems.add("console.log is missing: no console plots or excerpt");
        } else if (!Files.exists(index)) {
            problems.add("console.index.tsv is missing: console lines have no times, plots are empty");
        } else {
            try {
                byte[] raw = Files.readAllBytes(log);
                List<String> idx = Files.readAllLines(index, StandardCharsets.UTF_8);
                for (int i = 1; i < idx.size(); i++) {
                    String[] f = idx.get(i).split("\t");
                    if (f.length < 3) {
                        continue;
                    }
                    long at = Long.parseLong(f[0]);
                    int off = (int) Long.parseLong(f[1]);
                    int end = off;
                    while (end < raw.length && raw[end] != '\n') {
                        end++;
                    }
                    if (off <= raw.length) {
                        lines.add(new FloodTelemetry.TimedLine(at,
                                new String(raw, off, end - off, StandardCharsets.ISO_8859_1).replace("\r", "")));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                problems.add("console index unreadable: " + e.getMessage());
            }
        }
        if (!Files.exists(dir.resolve("harness.log"))) {
            problems.add("harness.log is missing");
        }
        return new RunArtifacts(dir, result, lines, problems);
    }
}
