// TestData: seeded float64 inputs and integer ids for the autograd tests, plus the gradcheck
// entry point the op tests share (always on the Reference backend, the oracle).
//
// Invariant: the same seed gives the same tensor on every run; values stay inside the range the
// caller names, so an op's non-smooth points (0 for abs/relu, ties for max) can be avoided.
package dev.tessel.autograd;

import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

final class TestData {
    private TestData() {}

    /** Uniform in [lo, hi). */
    static Tensor uniform(long seed, double lo, double hi, int... dims) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(DType.F64, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, lo + (hi - lo) * r.nextDouble());
        return t;
    }

    /** Uniform in [lo, hi) with a random sign: magnitudes stay at least lo away from 0. */
    static Tensor awayFromZero(long seed, double lo, double hi, int... dims) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(DType.F64, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, (r.nextBoolean() ? 1 : -1) * (lo + (hi - lo) * r.nextDouble()));
        return t;
    }

    /** I64 ids in [0, bound). */
    static Tensor ids(long seed, int bound, int... dims) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(DType.I64, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, r.nextInt(bound));
        return t;
    }

    /** Float64 gradcheck on the Reference backend with GradCheck's default tolerances. */
    static void gradcheck(Function<List<Variable>, Variable> f, Tensor... inputs) {
        try (var reference = Autograd.backend(Backends.reference())) {
            GradCheck.assertGradients(f, List.of(inputs));
        }
    }
}
