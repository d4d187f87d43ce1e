// MlpResblock: one pre-LayerNorm feed-forward resblock, x + proj(gelu(fc(norm(x)))), width 4d.
//
// Invariant: it acts on each position independently, so it needs no cache for incremental
// decoding; its output projection starts at the Sparse Transformer's scaled init like attention's.
package dev.tessel.models.transformer;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.LayerNorm;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.tensor.DType;
import java.util.random.RandomGenerator;

/** The position-wise MLP as a residual block. */
public final class MlpResblock extends Module {
    static final int WIDTH_RATIO = 4;

    private final LayerNorm norm;
    private final Linear fc, out;

    MlpResblock(TransformerConfig c, RandomGenerator rng) { this(c, rng, DType.F32); }

    /** With the two weight matrices stored in {@code weightDtype} (F16 for mixed precision; gain and biases F32). */
    MlpResblock(TransformerConfig c, RandomGenerator rng, DType weightDtype) {
        this.norm = registerModule("norm", new LayerNorm(c.dModel(), AttentionResblock.LAYER_NORM_EPS));
        this.fc = registerModule("fc", Initialization.linear(c.dModel(), WIDTH_RATIO * c.dModel(), Initialization.STD, rng, weightDtype));
        this.out = registerModule("out", Initialization.linear(WIDTH_RATIO * c.dModel(), c.dModel(), Initialization.residualStd(c), rng, weightDtype));
    }

    static long parameterCount(TransformerConfig c) {
        return Shapes.layerNorm(c.dModel()) + Shapes.linear(c.dModel(), WIDTH_RATIO * c.dModel()) + Shapes.linear(WIDTH_RATIO * c.dModel(), c.dModel());
    }

    /** x [B, T, d] -> [B, T, d]. */
    public Variable forward(Variable x) {
        return forward(x, null);
    }

    /** As above, the products through a decoding run's prepared weights (null: none). */
    Variable forward(Variable x, DecodingWeights weights) {
        return Ops.add(x, branch(x, MixedPrecision.fp32(), weights));
    }

    /** The residual branch out(gelu(fc(norm(x)))) alone, the products in the policy's resblock dtype (see AttentionResblock.branch). */
    public Variable branch(Variable x, MixedPrecision policy) {
        return branch(x, policy, null);
    }

    private Variable branch(Variable x, MixedPrecision policy, DecodingWeights weights) {
        Variable hidden = Ops.geluErf(DecodingWeights.linear(weights, policy, norm.forward(x), fc));
        return DecodingWeights.linear(weights, policy, hidden, out);
    }
}
