// MemoryBudget: the bytes a training run of a config needs at batch 1 under the paper's mixed
// precision (DESIGN.md 3, section 2.4 of the paper), computed from the config alone.
//
// Invariant: every line is a stated formula of the config (see each field's comment), so the
// numbers can be checked by hand; nothing is measured or allocated. Activations assume activation
// checkpointing per resblock: only each resblock's input is kept, and one resblock at a time is
// recomputed during backward.
package dev.tessel.models.transformer;

import java.util.LinkedHashMap;
import java.util.Map;

/** Memory estimate of one training step at batch 1, in bytes, by item. */
public final class MemoryBudget {
    private MemoryBudget() {}

    /** Items in print order; values in bytes. */
    public static Map<String, Long> atBatchOne(TransformerConfig c) {
        long n = TextToImageTransformer.parameterCount(c);
        long t = c.sequenceLength(), d = c.dModel();
        Map<String, Long> items = new LinkedHashMap<>();
        // parameters and their gradients in fp16 (the paper keeps gains, biases and embeddings in
        // fp32; they are under 1% of the 12B model and counted at 2 bytes here too)
        items.put("parameters (fp16, 2 B each)", 2 * n);
        items.put("gradients (fp16, 2 B each)", 2 * n);
        // Adam's mean in 1-6-9 and variance in 0-6-10: 2 bytes each
        items.put("Adam moments (1-6-9 mean + 0-6-10 variance, 2 B each)", 4 * n);
        // the identity path is fp32: every resblock's input [T, d] is kept
        items.put("checkpointed resblock inputs (fp32, 2N x T x d)", (long) c.resblocks() * t * d * 4);
        items.put("one recomputed resblock (fp16, the larger of attention and MLP)", Math.max(attentionResblock(c), mlpResblock(c)));
        // text and image logits in fp32, plus their gradient of the same size
        long logits = (long) (c.textLength() - 1) * c.textTableRows() + (long) c.imageTokens() * c.imageVocab();
        items.put("logits and their gradient (fp32)", 2 * 4 * logits);
        return items;
    }

    /** The activation items of {@link #atBatchOne} (everything after the three parameter-state items): they scale with the batch. */
    public static long activationsAtBatchOne(TransformerConfig c) {
        return atBatchOne(c).values().stream().skip(3).mapToLong(Long::longValue).sum();
    }

    /** Sum of {@link #atBatchOne}. */
    public static long total(TransformerConfig c) { return atBatchOne(c).values().stream().mapToLong(Long::longValue).sum(); }

    /** fp16: normalised input, q/k/v, the attention weights of the visible pairs of every head, the merged heads. */
    private static long attentionResblock(TransformerConfig c) {
        long t = c.sequenceLength(), d = c.dModel();
        // layers 1 and 2 are a row and (with 2+ layers) a column layer, the last is convolutional: the three kinds
        long visible = 0;
        for (int layer : new int[] {1, Math.min(2, c.layers()), c.layers()}) visible = Math.max(visible, ResblockStack.layerPattern(c, layer).visiblePairs());
        return 2 * (t * d + 3 * t * d + c.heads() * visible + t * d);
    }

    /** fp16: normalised input, the 4d hidden before and after gelu. */
    private static long mlpResblock(TransformerConfig c) {
        long t = c.sequenceLength(), d = c.dModel();
        return 2 * (t * d + 2 * t * MlpResblock.WIDTH_RATIO * d);
    }
}
