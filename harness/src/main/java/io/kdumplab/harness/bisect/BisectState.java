package io.kdumplab.harness.bisect;

import io.kdumplab.harness.builds.BuildList;
import io.kdumplab.harness.builds.Build;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * bisect.json: everything a reader needs to trust (or doubt) the answer:
 * every build in order with its trials and verdicts, the posterior of each
 * being the first bad one, the answer and its confidence, and the machine
 * time spent (trials, installs, reboots). Rebuilt from the journal, so it is
 * the same whether the bisection ran in one go or was resumed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BisectState(String schema, String status, String message, String host, String updatedAt,
                          double minReproRate, double errorRate, Answer answer, int judgedTrials, int runs,
                          double machineSeconds, double trialSeconds, double installSeconds, double wallSeconds,
                          Double reproRateEstimate, List<Double> reproRateInterval90, Integer buildSwitches,
                          Eta eta, List<BuildRow> builds) {
    public static final String SCHEMA = "kdump-harness/bisect/1";

    /** The first bad build, or a range of builds when skipped builds hide the exact one. */
    public record Answer(int firstIndex, int lastIndex, String firstBad, String kernel, List<String> candidates,
                         double confidence) {}

    /**
     * While it runs: about how many more trials and how much machine time the answer needs. The posterior's entropy
     * left (above what the error target allows) over the bits a trial has bought so far (1 before the first trial),
     * times the machine time per trial so far; an estimate that sharpens as trials come in.
     */
    public record Eta(int trials, Double seconds) {}

    public record Trial(String verdict, String runId, String reason, double seconds, String at, String diagnosis) {}

    public record BuildRow(int index, String name, String kernel, String role, String state, int passes, int failures,
                           int notJudged, boolean skipped, String skipReason, double probabilityFirstBad,
                           List<Trial> trials) {}

    static BisectState of(BuildList builds, List<Journal.Entry> entries, BisectModel model, BisectSettings settings,
                          String host, BisectRun.Status status, String message) {
        List<BuildRow> rows = new ArrayList<>();
        double trialSeconds = 0;
        double installSeconds = 0;
        for (Journal.Entry e : entries) {
            if (e.seconds() != null) {
                if (e.kind() == Journal.Kind.TRIAL) {
                    trialSeconds += e.seconds();
                } else {
                    installSeconds += e.seconds();
                }
            }
        }
        int n = builds.size();
        for (Build b : builds.builds()) {
            int k = b.index();
            List<Trial> trials = new ArrayList<>();
            int pass = 0;
            int fail = 0;
            int other = 0;
            String skipReason = null;
            for (Journal.Entry e : entries) {
                if (e.buildIndex() == null || e.buildIndex() != k) {
                    continue;
                }
                if (e.kind() == Journal.Kind.TRIAL) {
                    trials.add(new Trial(e.verdict(), e.runId(), e.reason(), e.seconds() == null ? 0 : e.seconds(), e.at(),
                            e.diagnosis()));
                    if (e.judged()) {
                        if (e.failed()) {
                            fail++;
                        } else {
                            pass++;
                        }
                    } else {
                        other++;
                    }
                } else if (e.kind() == Journal.Kind.SKIP) {
                    skipReason = e.reason();
                }
            }
            String role = k == 0 ? "good endpoint" : k == n - 1 ? "bad endpoint" : "candidate";
            String state = skipReason != null ? "skipped" : fail > 0 ? "bad" : pass > 0 ? "passed" : "untested";
            rows.add(new BuildRow(k, b.name(), b.kernelRelease(), role, state, pass, fail, other, skipReason != null, skipReason,
                    round(model.probabilityFirstBad(k)), trials));
        }
        Answer answer = null;
        if (model.trials() > 0) {
            BisectModel.Range r = model.bestRange();
            List<String> cands = new ArrayList<>();
            for (int f = r.lo(); f <= r.hi(); f++) {
                cands.add(builds.get(f).name());
            }
            answer = new Answer(r.lo(), r.hi(), builds.get(r.hi()).name(), builds.get(r.hi()).kernelRelease(), cands,
                    round(model.confidence()));
        }
        int runs = (int) entries.stream().filter(e -> e.kind() == Journal.Kind.TRIAL).count();
        // from the first journal line to the last: includes time lost to a killed orchestrator
        double wall = entries.size() < 2 ? 0 : java.time.Duration.between(Instant.parse(entries.get(0).at()),
                Instant.parse(entries.get(entries.size() - 1).at())).toMillis() / 1000.0;
        return new BisectState(SCHEMA, status.name(), message, host, Instant.now().toString(), settings.minReproRate(),
                settings.errorRate(), answer, model.trials(), runs, round(trialSeconds + installSeconds), round(trialSeconds),
                round(installSeconds), round(wall), model.trials() > 0 ? round(model.reproRate()) : null,
                model.trials() > 0 ? List.of(model.reproRateInterval()[0], model.reproRateInterval()[1]) : null,
                model.trials() > 0 ? model.switches() : null,
                status == BisectRun.Status.RUNNING ? eta(model, n, settings.errorRate(), trialSeconds + installSeconds, runs) : null,
                rows);
    }

    static Eta eta(BisectModel model, int n, double errorRate, double machineSeconds, int runs) {
        double h = 0;
        for (int k = 0; k < n; k++) {
            double p = model.probabilityFirstBad(k);
            if (p > 0) {
                h -= p * Math.log(p) / Math.log(2);
            }
        }
        double h0 = Math.log(Math.max(2, n - 1)) / Math.log(2);
        // the entropy left once the best build holds 1 - error and the rest is spread over the others
        double e = Math.min(0.5, Math.max(1e-9, errorRate));
        double hEnd = -(1 - e) * Math.log(1 - e) / Math.log(2) - e * Math.log(e) / Math.log(2)
                + e * Math.log(Math.max(1, n - 2)) / Math.log(2);
        double bitsPerTrial = model.trials() > 0 ? Math.max(0.25, (h0 - h) / model.trials()) : 1.0;
        int trials = model.done() ? 0 : Math.max(1, (int) Math.ceil(Math.max(0, h - hEnd) / bitsPerTrial));
        // machine time per trial so far (its install and boot included); unknown before the first
        return new Eta(trials, runs > 0 ? round(trials * machineSeconds / runs) : null);
    }

    /** "first bad build: X (kernel), confidence 99.8%" or the git-bisect-skip style range. */
    static String answer(BuildList builds, BisectModel model) {
        BisectModel.Range r = model.bestRange();
        if (r.exact()) {
            return String.format(Locale.ROOT, "first bad build: %s, confidence %.1f%% after %d judged trial(s)",
                    builds.get(r.hi()).label(), 100 * model.confidence(), model.trials());
        }
        List<String> names = new ArrayList<>();
        for (int f = r.lo(); f <= r.hi(); f++) {
            names.add(builds.get(f).name());
        }
        return String.format(Locale.ROOT, "the first bad build is one of %s (skipped builds hide which), confidence %.1f%%",
                names, 100 * model.confidence());
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
