// AttentionResblock: one pre-LayerNorm attention resblock, x + proj(attention(norm(x))), whose
// attention sees the keys its layer's pattern (row, column or convolutional) makes visible.
//
// Invariants: the block maps positions start .. start+T-1 of the stream; with a KvCache it appends
// its new keys and values at those positions and attends over everything cached so far, so a
// prefix followed by one-token steps gives the same outputs as one full pass (the patterns are
// causal). The output projection starts at N(0, (0.02/sqrt(2 layers))²) (Sparse Transformer init).
package dev.tessel.models.transformer;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.LayerNorm;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.tensor.DType;
import java.util.random.RandomGenerator;

/** Multi-head masked self-attention as a residual block. */
public final class AttentionResblock extends Module {
    static final double LAYER_NORM_EPS = 1e-5;

    private final int heads, headDim;
    private final AttentionPattern pattern;
    private final LayerNorm norm;
    private final Linear qkv, out;

    AttentionResblock(TransformerConfig c, AttentionPattern pattern, RandomGenerator rng) { this(c, pattern, rng, DType.F32); }

    /** With the two weight matrices stored in {@code weightDtype} (F16 for mixed precision; gain and biases F32). */
    AttentionResblock(TransformerConfig c, AttentionPattern pattern, RandomGenerator rng, DType weightDtype) {
        this.heads = c.heads();
        this.headDim = c.headDim();
        this.pattern = pattern;
        this.norm = registerModule("norm", new LayerNorm(c.dModel(), LAYER_NORM_EPS));
        this.qkv = registerModule("qkv", Initialization.linear(c.dModel(), 3 * c.dModel(), Initialization.STD, rng, weightDtype));
        this.out = registerModule("out", Initialization.linear(c.dModel(), c.dModel(), Initialization.residualStd(c), rng, weightDtype));
    }

    static long parameterCount(TransformerConfig c) {
        return Shapes.layerNorm(c.dModel()) + Shapes.linear(c.dModel(), 3 * c.dModel()) + Shapes.linear(c.dModel(), c.dModel());
    }

    public AttentionPattern pattern() { return pattern; }

    /** x [B, T, d] at stream positions start.. -> [B, T, d]; cache may be null when start == 0 (training). */
    public Variable forward(Variable x, int start, KvCache.Layer cache) {
        return Ops.add(x, branch(x, start, cache, MixedPrecision.fp32()));
    }

    /**
     * The residual branch f(x) alone, [B, T, d]: LayerNorm in fp32 (its gain and bias are fp32
     * parameters), then the projections and the attention in the policy's resblock dtype (fp16
     * when mixed, weights cast from their fp32 masters at use, biases added in fp32). The caller
     * adds it to the fp32 identity path (GradScaler.residual does, scaling its gradient).
     */
    public Variable branch(Variable x, int start, KvCache.Layer cache, MixedPrecision policy) {
        int[] s = x.shape();
        int batch = s[0], t = s[1], d = s[2];
        DecodingWeights weights = cache == null ? null : cache.weights();
        Variable packed = Ops.reshape(DecodingWeights.linear(weights, policy, norm.forward(x), qkv), batch, t, 3, heads, headDim);
        Variable split = Ops.permute(packed, 2, 0, 3, 1, 4);                     // (3, B, H, T, Dh)
        Variable q = Ops.squeeze(Ops.slice(split, 0, 0, 1), 0);
        Variable k = Ops.squeeze(Ops.slice(split, 0, 1, 2), 0);
        Variable v = Ops.squeeze(Ops.slice(split, 0, 2, 3), 0);
        if (cache != null) {
            Variable[] cached = cache.append(k.value(), v.value(), start);
            k = cached[0];
            v = cached[1];
        } else if (start != 0) {
            throw new IllegalArgumentException("AttentionResblock: positions from " + start + " need the keys before them: pass a KvCache");
        }
        Variable attended = AttentionKernel.attend(q, k, v, pattern, start);      // (B, H, T, Dh)
        Variable merged = Ops.reshape(Ops.permute(attended, 0, 2, 1, 3), batch, t, d);
        return DecodingWeights.linear(weights, policy, merged, out);
    }
}
