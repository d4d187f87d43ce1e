// PromptOutcome: everything the evaluation learned about one prompt: the reranker's score and the
// attribute reader's verdicts for each of its N candidates, in sampling order.
//
// Invariant: arrays are indexed by candidate in the order they were sampled, so "the first N
// candidates" is a fair random draw of N; {@code images} is kept only for prompts the report shows.
package dev.tessel.models.pipeline;

import dev.tessel.models.eval.CaptionMatch;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** One evaluated prompt. */
public record PromptOutcome(String caption, boolean heldOut, double[] scores, List<Map<CaptionMatch.Category, Boolean>> checks,
                            boolean[] matches, Tensor imagesOrNull) {
    public int candidates() { return scores.length; }

    /** Index of the best-scored candidate among the first {@code n}. */
    public int bestOf(int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (scores[i] > scores[best]) best = i;
        return best;
    }

    /** Candidate indices by descending score. */
    public int[] ranking() {
        return java.util.stream.IntStream.range(0, scores.length).boxed()
                .sorted(java.util.Comparator.comparingDouble(i -> -scores[i])).mapToInt(Integer::intValue).toArray();
    }

    /**
     * What the reranker's pick (the best-scored candidate) gets wrong: the categories it fails, in
     * {@link CaptionMatch.Category} order, lower case; "binding" when every category holds but no
     * one pairing of objects matches every word (a colour on the other object's shape); empty
     * when it matches.
     */
    public List<String> topPickFailures() {
        int best = bestOf(candidates());
        if (matches[best]) return List.of();
        List<String> failed = new java.util.ArrayList<>();
        checks.get(best).forEach((category, holds) -> {
            if (!holds) failed.add(ShapesEvaluation.label(category));
        });
        return failed.isEmpty() ? List.of("binding") : failed;
    }

    /** Candidates that match the caption. */
    public int matchingCandidates() {
        int m = 0;
        for (boolean b : matches) if (b) m++;
        return m;
    }

    /** Fraction of candidates matching the caption (what a random pick scores on average). */
    public double matchRate() { return (double) matchingCandidates() / matches.length; }
}
