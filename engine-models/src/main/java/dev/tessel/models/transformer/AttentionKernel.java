// AttentionKernel: the one seam between the transformer and the attention implementation.
// A pass over the whole stream (training, teacher forcing) runs the block-sparse kernel, whose
// cost follows the pattern's visible tiles; a partial pass (KV-cached decoding: some queries
// against the cached keys) runs the dense masked kernel over the pattern's mask rows in use,
// except a one-token decoding step without gradients, which runs the decode kernel over the
// query's visible keys only, reading the cache in place.
//
// Invariant: attend(q, k, v, pattern, firstQuery) computes, for queries at stream positions
// firstQuery .. firstQuery+Tq-1 and keys at positions 0 .. Tk-1, exactly softmax over the keys the
// pattern makes visible (one softmax over text and image keys together), whichever kernel runs:
// both are derived from pattern.visible (AttentionPattern's single definition of the mask).
package dev.tessel.models.transformer;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Masked multi-head attention for one layer's {@link AttentionPattern}. */
final class AttentionKernel {
    /** Tile side of the block-sparse layouts: fine enough that a grid row of 8-32 tokens skips most tiles. */
    static final int BLOCK_SIZE = 16;

    /** Layouts and dense masks, built once per pattern (patterns are values; a model has three kinds). */
    private static final Map<AttentionPattern, BlockLayout> LAYOUTS = new ConcurrentHashMap<>();
    private static final Map<AttentionPattern, Tensor> DENSE_MASKS = new ConcurrentHashMap<>();
    /** Per pattern, each query position's visible key positions, ascending. */
    private static final Map<AttentionPattern, int[][]> VISIBLE_KEYS = new ConcurrentHashMap<>();

    private AttentionKernel() {}

    /** q [B,H,Tq,D] at positions firstQuery.., k and v [B,H,Tk,D] at positions 0..Tk-1 -> [B,H,Tq,D]. */
    static Variable attend(Variable q, Variable k, Variable v, AttentionPattern pattern, int firstQuery) {
        int queries = q.shape()[2], keys = k.shape()[2];
        if (firstQuery + queries > pattern.length() || keys > pattern.length() || keys < firstQuery + queries) {
            throw new IllegalArgumentException("attention: queries at " + firstQuery + ".." + (firstQuery + queries - 1) + " and " + keys
                    + " keys do not fit the pattern of length " + pattern.length() + " (every query needs its own key)");
        }
        if (firstQuery == 0 && queries == pattern.length()) {
            return Functional.sparseAttention(q, k, v, LAYOUTS.computeIfAbsent(pattern, p -> p.blockLayout(BLOCK_SIZE)));
        }
        if (queries == 1 && !Autograd.isRecording()) {
            // Keys at positions up to the query are all cached (keys >= firstQuery + 1), and a causal
            // pattern shows none after it, so the row's visible keys all lie below `keys`.
            int[] visible = VISIBLE_KEYS.computeIfAbsent(pattern, AttentionKernel::visibleKeys)[firstQuery];
            return Variable.constant(Autograd.currentBackend().decodeAttention(q.value(), k.value(), v.value(), visible));
        }
        Tensor mask = DENSE_MASKS.computeIfAbsent(pattern, AttentionPattern::denseMask)
                .slice(0, firstQuery, firstQuery + queries).slice(1, 0, keys);
        return Functional.maskedAttention(q, k, v, mask);
    }

    /** For every query position of the pattern, the key positions it may see (pattern.visible), ascending. */
    private static int[][] visibleKeys(AttentionPattern pattern) {
        int[][] rows = new int[pattern.length()][];
        int[] scratch = new int[pattern.length()];
        for (int query = 0; query < rows.length; query++) {
            int count = 0;
            for (int key = 0; key <= query; key++) if (pattern.visible(query, key)) scratch[count++] = key;
            rows[query] = java.util.Arrays.copyOf(scratch, count);
        }
        return rows;
    }
}
