package io.kdumplab.harness.run;

import io.kdumplab.harness.verdict.Phase;

import io.kdumplab.harness.device.ConsoleLine;
import io.kdumplab.harness.verdict.Judgement;
import io.kdumplab.harness.verdict.Verdict;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one writer of result.json: every change goes through here and is
 * saved atomically at once, so a killed run leaves what it knew. Steps run on
 * their own threads; all methods are synchronized on the result.
 */
public final class RunRecorder {
    private final RunResult result;
    private final Path file;
    private final CancelToken cancel;
    private final ReportsStorage storage;

    public RunRecorder(RunResult result, Path file, CancelToken cancel) {
        this.result = result;
        this.file = file;
        this.cancel = cancel;
        this.storage = new ReportsStorage(file.getParent());
    }

    /**
     * Changes the result and saves it. A save that fails (the orchestrator's disk is full) stops the saving, not
     * the run: the result lives on in memory and ends in the fallback directory.
     */
    public void update(Consumer<RunResult> change) {
        synchronized (result) {
            change.accept(result);
            if (storage.failure().isPresent()) {
                return;
            }
            try {
                result.save(file);
            } catch (java.io.UncheckedIOException e) {
                String why = storage.failed(file, e);
                result.notes.add("result.json could not be written from here on: " + why);
            }
        }
    }

    public ReportsStorage storage() {
        return storage;
    }

    public <T> T read(java.util.function.Function<RunResult, T> f) {
        synchronized (result) {
            return f.apply(result);
        }
    }

    public StepRecord beginStep(String name, Duration timeout) {
        StepRecord rec = new StepRecord(name, timeout.toSeconds(), Instant.now().toString());
        update(r -> r.steps.add(rec));
        return rec;
    }

    public void endStep(StepRecord rec, String status, String detail) {
        update(r -> {
            rec.status = status;
            rec.detail = detail;
            rec.durationMillis = Duration.between(Instant.parse(rec.startedAt), Instant.now()).toMillis();
        });
    }

    public void note(String note) {
        update(r -> r.notes.add(note));
    }

    /** A console phase, once (the first time it is seen). */
    public void phase(Phase p, ConsoleLine line) {
        update(r -> {
            if (r.phases.stream().noneMatch(x -> x.phase() == p)) {
                r.phases.add(new PhaseRecord(p, Instant.ofEpochMilli(line.epochMillis()), (long) line.index(),
                        line.text().length() > 200 ? line.text().substring(0, 200) : line.text()));
            }
        });
    }

    /** An event the harness caused itself (NMI sent, power cycle, SSH back). */
    public void event(Phase p, Instant at, String text) {
        update(r -> r.phases.add(new PhaseRecord(p, at, null, text)));
    }

    /** Sets the verdict; once the run was cancelled every verdict is INCOMPLETE, whatever the step concluded. */
    public void verdict(Judgement j) {
        Judgement v = j;
        if (cancel.cancelled() && j.verdict() != Verdict.INCOMPLETE) {
            v = new Judgement(Verdict.INCOMPLETE, cancel.reason(), j.failedStep());
        }
        Judgement fin = v;
        update(r -> {
            r.verdict = fin.verdict();
            r.reason = fin.reason();
            r.failedStep = fin.failedStep();
        });
    }

    public Optional<StepRecord> runningStep() {
        return read(r -> {
            for (int i = r.steps.size() - 1; i >= 0; i--) {
                if ("running".equals(r.steps.get(i).status)) {
                    return Optional.of(r.steps.get(i));
                }
            }
            return Optional.empty();
        });
    }

    public List<Phase> phasesSeen() {
        return read(r -> r.phases.stream().map(PhaseRecord::phase).distinct().toList());
    }

    public RunResult result() {
        return result;
    }
}
