package io.kdumplab.harness.report;

import java.nio.file.Path;
import java.util.List;

/** Writes (or rewrites) every report of a run directory, and the history index beside it. */
public final class RunReports {
    private RunReports() {}

    /** Returns what was missing from the run directory (the reports render what they can). */
    public static List<String> write(Path runDir) {
        RunArtifacts a = RunArtifacts.read(runDir);
        JUnitReport.write(runDir.resolve("junit.xml"), "kdump-harness repro", List.of(a));
        HtmlReport.write(a);
        Path parent = runDir.toAbsolutePath().getParent();
        if (parent != null) {
            HistoryReport.write(parent);
        }
        return a.problems();
    }
}
