// ResblockStack: the layers of the sparse transformer: layer i (1-indexed) is an attention
// resblock with DALL·E's pattern for i (column if (i-2) mod 4 == 0, row otherwise, convolutional
// for the last) followed by an MLP resblock, then a final LayerNorm.
//
// Invariants: parameter names are attention_i / mlp_i / final_norm in layer order, so a
// checkpoint's keys say which layer they belong to; with activation checkpointing each resblock
// keeps only its input between forward and backward and is recomputed in backward (DALL·E 2.4).
package dev.tessel.models.transformer;

import dev.tessel.autograd.Checkpoint;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.mixed.GradScaler;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.LayerNorm;
import dev.tessel.autograd.nn.Module;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.tensor.DType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/** The stack of attention and MLP resblocks. */
public final class ResblockStack extends Module {
    private final List<AttentionResblock> attention = new ArrayList<>();
    private final List<MlpResblock> mlp = new ArrayList<>();
    private final LayerNorm finalNorm;

    /** The resblocks' weight matrices in {@code weightDtype} (F16 for mixed precision), everything else F32. */
    ResblockStack(TransformerConfig c, RandomGenerator rng, DType weightDtype) {
        for (int i = 1; i <= c.layers(); i++) {
            attention.add(registerModule(attentionName(i), new AttentionResblock(c, layerPattern(c, i), rng, weightDtype)));
            mlp.add(registerModule(mlpName(i), new MlpResblock(c, rng, weightDtype)));
        }
        this.finalNorm = registerModule("final_norm", new LayerNorm(c.dModel(), AttentionResblock.LAYER_NORM_EPS));
    }

    /** Layer i's (1-indexed) attention pattern: DALL·E's schedule, convolution clamped at the grid border. */
    public static AttentionPattern layerPattern(TransformerConfig c, int layer) {
        return AttentionPattern.dalleLayer(layer, c.layers(), c.textLength(), c.grid(), c.grid(), c.convKernel());
    }

    static long parameterCount(TransformerConfig c) {
        return c.layers() * (AttentionResblock.parameterCount(c) + MlpResblock.parameterCount(c)) + Shapes.layerNorm(c.dModel());
    }

    public List<AttentionResblock> attentionBlocks() { return List.copyOf(attention); }

    /** Name of layer i's (1-indexed) attention resblock, its parameter prefix and its gradient-scale block. */
    public static String attentionName(int layer) { return "attention_" + layer; }

    /** Name of layer i's (1-indexed) MLP resblock. */
    public static String mlpName(int layer) { return "mlp_" + layer; }

    /** Every resblock by name, in layer order (attention_1, mlp_1, attention_2, ...). */
    public Map<String, Module> resblocks() {
        Map<String, Module> out = new LinkedHashMap<>();
        for (int i = 0; i < attention.size(); i++) {
            out.put(attentionName(i + 1), attention.get(i));
            out.put(mlpName(i + 1), mlp.get(i));
        }
        return out;
    }

    /**
     * x [B, T, d] at positions start.. -> normalised hidden states [B, T, d]. cache (null in
     * training) holds every layer's earlier keys; checkpoint recomputes each resblock in backward.
     */
    public Variable forward(Variable x, int start, KvCache cache, boolean checkpoint) {
        return forward(x, start, cache, checkpoint, null);
    }

    /**
     * As above; a non-null {@code scaler} (training only, no cache) runs every resblock through
     * scaler.residual under its block name (attention_i, mlp_i): the branch in the policy's
     * resblock dtype, its gradient scaled per resblock (DALL·E 2.4). Activation checkpointing is
     * not combined with it: the scaled resblock already keeps its own graph until backward.
     */
    public Variable forward(Variable x, int start, KvCache cache, boolean checkpoint, GradScaler scaler) {
        if (scaler != null) {
            if (cache != null) throw new IllegalArgumentException("ResblockStack: gradient scaling is for training; sampling runs without a scaler");
            MixedPrecision policy = scaler.policy();
            Variable h = x;
            for (int i = 0; i < attention.size(); i++) {
                AttentionResblock a = attention.get(i);
                MlpResblock m = mlp.get(i);
                h = scaler.residual(attentionName(i + 1), h, in -> a.branch(in, start, null, policy));
                h = scaler.residual(mlpName(i + 1), h, in -> m.branch(in, policy));
            }
            return finalNorm.forward(h);
        }
        Variable h = x;
        for (int i = 0; i < attention.size(); i++) {
            AttentionResblock a = attention.get(i);
            MlpResblock m = mlp.get(i);
            KvCache.Layer layerCache = cache == null ? null : cache.layer(i);
            if (checkpoint && cache == null) {
                h = Checkpoint.run(in -> a.forward(in.getFirst(), start, null), List.of(h));
                h = Checkpoint.run(in -> m.forward(in.getFirst()), List.of(h));
            } else {
                h = m.forward(a.forward(h, start, layerCache), cache == null ? null : cache.weights());
            }
        }
        return finalNorm.forward(h);
    }
}
