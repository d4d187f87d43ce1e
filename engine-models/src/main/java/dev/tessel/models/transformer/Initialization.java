// Initialization: the Sparse Transformer / GPT-2 initialisation the model uses instead of torch's
// layer defaults: weights and embeddings ~ N(0, 0.02²), biases 0, and the output projection of
// every resblock ~ N(0, (0.02/sqrt(2N))²) with N layers (Child et al. 2019), so the residual
// stream's variance does not grow with depth at initialisation.
//
// Invariant: values are written into the existing parameter tensors in place (a Parameter's
// tensor is never replaced), and drawn from the model's seeded generator in construction order.
package dev.tessel.models.transformer;

import dev.tessel.autograd.nn.Init;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.random.RandomGenerator;

final class Initialization {
    /** Standard deviation of weights and embeddings. */
    static final double STD = 0.02;

    private Initialization() {}

    /** The init std of a resblock's output projection: 0.02 / sqrt(2 N) for N layers (2N resblocks). */
    static double residualStd(TransformerConfig c) { return STD / Math.sqrt(c.resblocks()); }

    static void normal(Parameter p, double std, RandomGenerator rng) {
        try (Tensor values = Init.normal(p.dtype(), std, rng, p.shape().toArray())) {
            p.value().copyFrom(values);
        }
    }

    /**
     * As {@link #linear(int, int, double, RandomGenerator)} with the weight stored in {@code weightDtype}
     * (F16: a resblock weight of mixed-precision training, no fp32 master copy), the bias in F32;
     * drawn exactly as the F32 layer (then rounded), so both precisions start from the same model.
     */
    static Linear linear(int in, int out, double std, RandomGenerator rng, DType weightDtype) {
        Linear drawn = linear(in, out, std, rng);
        if (weightDtype == DType.F32) return drawn;
        return new Linear(drawn.weight().value().to(weightDtype), drawn.bias().value().copy());
    }

    /** A Linear with N(0, std²) weights and zero bias (torch's uniform draw of the constructor is overwritten). */
    static Linear linear(int in, int out, double std, RandomGenerator rng) {
        Linear layer = new Linear(in, out, rng);
        normal(layer.weight(), std, rng);
        try (Tensor zeros = Tensor.zeros(layer.bias().dtype(), out)) {
            layer.bias().value().copyFrom(zeros);
        }
        return layer;
    }
}
