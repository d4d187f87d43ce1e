// LayerNorm over the last axis, torch.nn.LayerNorm's names ("weight" = 1, "bias" = 0 at init).
//
// Invariant: normalises the last axis only, with biased variance, as the backend's layerNorm does.
package dev.tessel.autograd.nn;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** y = (x - mean) / sqrt(var + eps) * weight + bias over the last axis of size {@code features}. */
public final class LayerNorm extends Module {
    private final int features;
    private final double eps;
    private final Parameter weight, bias;

    public LayerNorm(int features, double eps) { this(features, eps, DType.F32); }

    public LayerNorm(int features, double eps, DType dtype) {
        if (features <= 0 || !(eps >= 0)) {
            throw new IllegalArgumentException("LayerNorm: features must be positive and eps >= 0, got " + features + ", " + eps);
        }
        this.features = features;
        this.eps = eps;
        this.weight = registerParameter("weight", Tensor.full(dtype, 1.0, features));
        this.bias = registerParameter("bias", Tensor.zeros(dtype, features));
    }

    public Variable forward(Variable x) {
        int[] s = x.shape();
        if (s.length < 1 || s[s.length - 1] != features) {
            throw new IllegalArgumentException("LayerNorm(" + features + "): input " + x.dtype() + java.util.Arrays.toString(s)
                    + " must end in " + features);
        }
        return Ops.layerNorm(x, weight.variable(), bias.variable(), eps);
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }
}
