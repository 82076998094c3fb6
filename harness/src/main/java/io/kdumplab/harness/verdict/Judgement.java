package io.kdumplab.harness.verdict;

/** A verdict with its reason and, for a run that could not be judged, the step that failed. */
public record Judgement(Verdict verdict, String reason, String failedStep) {
    public Judgement {
        if (verdict == null || reason == null) {
            throw new IllegalArgumentException("a judgement needs a verdict and a reason");
        }
    }
}
