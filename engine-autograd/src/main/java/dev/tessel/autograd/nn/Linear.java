// Linear: y = x·Wᵀ + b, torch.nn.Linear's layout and state-dict names ("weight" [out,in], "bias" [out]).
//
// Invariant: the weight stays [out, in] (torch layout) so checkpoints load unchanged; the
// forward therefore multiplies by the transpose without materialising it.
package dev.tessel.autograd.nn;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.random.RandomGenerator;

/** A fully connected layer; initialised like torch: weight and bias ~ U(-1/√in, 1/√in). */
public final class Linear extends Module {
    private final int inFeatures, outFeatures;
    private final Parameter weight, bias;

    public Linear(int inFeatures, int outFeatures, RandomGenerator rng) {
        this(inFeatures, outFeatures, true, DType.F32, rng);
    }

    public Linear(int inFeatures, int outFeatures, boolean withBias, DType dtype, RandomGenerator rng) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear: features must be positive, got in " + inFeatures + ", out " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        double bound = 1 / Math.sqrt(inFeatures);
        this.weight = registerParameter("weight", Init.uniform(dtype, -bound, bound, rng, outFeatures, inFeatures));
        this.bias = withBias ? registerParameter("bias", Init.uniform(dtype, -bound, bound, rng, outFeatures)) : null;
    }

    /**
     * A layer around given tensors (owned by it from now on): weight [out, in], bias [out] or null;
     * they may differ in dtype (e.g. an F16 weight beside an F32 bias, DALL·E's mixed precision).
     */
    public Linear(Tensor weight, Tensor bias) {
        if (weight.rank() != 2 || (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0)))) {
            throw new IllegalArgumentException("Linear: weight must be [out, in] and bias [out], got " + weight.dtype() + weight.shape()
                    + (bias == null ? "" : " and " + bias.dtype() + bias.shape()));
        }
        this.outFeatures = weight.dim(0);
        this.inFeatures = weight.dim(1);
        this.weight = registerParameter("weight", weight);
        this.bias = bias == null ? null : registerParameter("bias", bias);
    }

    /** x [..., in] -> [..., out]. */
    public Variable forward(Variable x) {
        if (x.shape().length < 1 || x.shape()[x.shape().length - 1] != inFeatures) {
            throw new IllegalArgumentException("Linear(" + inFeatures + " -> " + outFeatures + "): input " + x.dtype()
                    + java.util.Arrays.toString(x.shape()) + " must end in " + inFeatures);
        }
        int[] s = x.shape();
        Variable rows = Ops.reshape(x, -1, inFeatures);                    // (N, in)
        Variable y = bias == null ? Ops.matmul(rows, weight.variable(), false, true)   // (N, out)
                : Ops.linear(rows, weight.variable(), bias.variable());
        s[s.length - 1] = outFeatures;
        return Ops.reshape(y, s);
    }

    public Parameter weight() { return weight; }

    /** The bias, or null for a layer built without one. */
    public Parameter bias() { return bias; }
}
