package io.kdumplab.harness.bisect;

import io.kdumplab.harness.builds.BuildList;
import io.kdumplab.harness.builds.Build;
import io.kdumplab.harness.failure.ConfigurationException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A bisection seen from its journal alone (no host, no build files): for
 * `bisect status`, `bisect log` and `bisect replay`. The model is rebuilt
 * from the judged trials and skips, exactly as a resumed run does.
 */
public final class JournalView {
    private final Path file;
    private final List<Journal.Entry> entries;
    private final List<String> warnings;
    private final Journal.Start start;
    private final BuildList builds;
    private final BisectModel model;

    private JournalView(Path file, List<Journal.Entry> entries, List<String> warnings) {
        this.file = file;
        this.entries = entries;
        this.warnings = warnings;
        this.start = entries.stream().filter(e -> e.kind() == Journal.Kind.START).map(Journal.Entry::start).findFirst()
                .orElseThrow(() -> new ConfigurationException(file + " has no start line: not a bisection journal",
                        "give the journal.jsonl of a bisection directory"));
        List<Build> list = new ArrayList<>();
        for (String name : start.builds()) {
            list.add(new Build(list.size(), name, name, Build.Kind.REPOSITORY, List.of(), List.of()));
        }
        this.builds = new BuildList(file, list);
        for (Journal.Entry e : entries) {
            if (e.buildIndex() != null && (e.buildIndex() < 0 || e.buildIndex() >= list.size())) {
                throw new ConfigurationException(file + ": an entry names build index " + e.buildIndex() + " of "
                        + list.size() + " builds", "the journal was edited wrongly; remove that line");
            }
        }
        this.model = Journal.replay(entries, new BisectModel(list.size(), start.minReproRate(), start.errorRate()));
    }

    public static JournalView open(Path journal) {
        if (!Files.isRegularFile(journal)) {
            throw new ConfigurationException("no bisection journal at " + journal, "give the directory a `bisect run` wrote (--dir)");
        }
        List<String> warnings = new ArrayList<>();
        List<Journal.Entry> entries = new Journal(journal).read(warnings);
        return new JournalView(journal, entries, warnings);
    }

    public Journal.Start start() {
        return start;
    }

    public BuildList builds() {
        return builds;
    }

    public BisectModel model() {
        return model;
    }

    public BisectState state() {
        // the last "done" counts unless the bisection was resumed after it (an abort, then the same command again)
        Journal.Entry done = null;
        for (Journal.Entry e : entries) {
            if (e.kind() == Journal.Kind.DONE) {
                done = e;
            } else if (e.kind() != Journal.Kind.RESTORE) {
                done = null;
            }
        }
        BisectRun.Status status = done == null ? BisectRun.Status.RUNNING
                : BisectRun.Status.valueOf(done.reason().substring(0, done.reason().indexOf(':')));
        String message = done == null ? null : done.reason().substring(done.reason().indexOf(':') + 1).strip();
        if (status == BisectRun.Status.RUNNING && model.trials() > 0) {
            message = "in progress; so far: " + BisectState.answer(builds, model);
        }
        BisectSettings settings = new BisectSettings(start.minReproRate(), start.errorRate(), 0, 0, 0,
                start.safeKernel(), Duration.ZERO, Duration.ZERO, Duration.ZERO);
        return BisectState.of(builds, entries, model, settings, start.host(), status, message);
    }

    public void writeReports(Path dir) {
        BisectReport.write(dir, state());
    }

    public String statusText() {
        BisectState s = state();
        StringBuilder b = new StringBuilder();
        warnings.forEach(w -> b.append("warning: ").append(w).append('\n'));
        b.append(String.format(Locale.ROOT, "bisection of %d builds on %s: %s%n", builds.size(), start.host(), s.status()));
        if (s.message() != null) {
            b.append("  ").append(s.message()).append('\n');
        }
        b.append(String.format(Locale.ROOT, "  %d run(s), %d judged; machine time %.1f min; min repro rate %.2f, error rate %.3f%n",
                s.runs(), s.judgedTrials(), s.machineSeconds() / 60, start.minReproRate(), start.errorRate()));
        for (BisectState.BuildRow r : s.builds()) {
            b.append(String.format(Locale.ROOT, "  %2d %-28s %-13s %-9s pass %d fail %d other %d  P(first bad) %.3f%s%n",
                    r.index(), r.name(), r.role(), r.state(), r.passes(), r.failures(), r.notJudged(), r.probabilityFirstBad(),
                    r.skipped() ? "  skipped: " + r.skipReason() : ""));
        }
        if ("RUNNING".equals(s.status()) && model.trials() > 0 && !model.done()) {
            b.append("  next build to test: ").append(builds.get(model.next()).name()).append('\n');
        }
        return b.toString();
    }

    /** One line per event: "trial <build> <verdict> <run>  # reason". */
    public String logText() {
        StringBuilder b = new StringBuilder();
        for (Journal.Entry e : entries) {
            switch (e.kind()) {
                case START -> b.append(String.format(Locale.ROOT, "# %s start: %d builds %s on %s, min repro rate %.2f, error rate %.3f,"
                        + " safe kernel %s%n", e.at(), start.builds().size(), start.builds(), start.host(), start.minReproRate(),
                        start.errorRate(), start.safeKernel()));
                case TRIAL -> b.append(String.format(Locale.ROOT, "trial %s %s %s  # %s, %.0f s%s%n", e.build(), e.verdict(),
                        e.runId() == null ? "-" : e.runId(), e.at(), e.seconds() == null ? 0 : e.seconds(),
                        e.reason() == null ? "" : ": " + e.reason()));
                case SKIP -> b.append("skip ").append(e.build()).append("  # ").append(e.at()).append(": ").append(e.reason()).append('\n');
                case INSTALL, BOOT -> b.append(String.format(Locale.ROOT, "# %s %s %s (%.0f s)%n", e.at(),
                        e.kind().name().toLowerCase(Locale.ROOT), e.build(), e.seconds() == null ? 0 : e.seconds()));
                case RESTORE, DONE, REBOOTING -> b.append("# ").append(e.at()).append(' ').append(e.kind().name().toLowerCase(Locale.ROOT))
                        .append(": ").append(e.reason()).append('\n');
            }
        }
        return b.toString();
    }

    public Path file() {
        return file;
    }
}
