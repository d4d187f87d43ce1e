// Init: the random initialisers the layers use, drawn from a caller-supplied seeded generator.
//
// Invariant: values are drawn in row-major order from the generator, so one seed gives one model.
package dev.tessel.autograd.nn;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.random.RandomGenerator;

/** Parameter initialisers. */
public final class Init {
    private Init() {}

    /** N(0, std²). */
    public static Tensor normal(DType dtype, double std, RandomGenerator rng, int... dims) {
        Tensor t = Tensor.zeros(dtype, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, std * rng.nextGaussian());
        return t;
    }

    /** U[lo, hi). */
    public static Tensor uniform(DType dtype, double lo, double hi, RandomGenerator rng, int... dims) {
        Tensor t = Tensor.zeros(dtype, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, lo + (hi - lo) * rng.nextDouble());
        return t;
    }
}
