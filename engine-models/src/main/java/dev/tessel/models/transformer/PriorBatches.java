// PriorBatches: where the prior's training batches come from, as DistributedPriorTraining and the
// CLI see it: a global batch of (caption ids, image tokens) per step.
//
// Invariant: batch(step) is a pure function of the source and the step, identical on every rank
// and across a resume, which is what data-parallel training and exact resumption require.
package dev.tessel.models.transformer;

import java.util.List;

/** A deterministic source of global training batches for the text-to-image transformer. */
public interface PriorBatches {
    /** A global batch: one caption (text-vocabulary ids, without padding) and one image token grid per example. */
    record Batch(List<int[]> captions, int[][] imageTokens) {}

    /** The global batch of update {@code step} (0-based). */
    Batch batch(long step);
}
