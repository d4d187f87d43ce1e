package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.Random;

/**
 * Test inputs and comparisons shared by the DALL·E op kernel tests (gumbel-softmax, masked
 * attention, dVAE pixels): seeded random tensors, contiguous or as a permuted (non-contiguous)
 * view, and an element-wise |got - exp| <= atol + rtol |exp| check that reports the first miss.
 */
final class DalleOpsTestTensors {
    private DalleOpsTestTensors() {}

    /** The float dtypes every one of these ops accepts. */
    static final DType[] FLOAT_DTYPES = {DType.F64, DType.F32, DType.F16, DType.BF16};

    /** Uniform in [lo, hi), rounded to dtype; {@code strided} gives a permuted view with the same logical shape. */
    static Tensor uniform(Random rnd, DType dtype, double lo, double hi, boolean strided, int... dims) {
        int r = dims.length;
        int[] reversed = new int[r], order = new int[r];
        for (int i = 0; i < r; i++) {
            reversed[i] = dims[r - 1 - i];
            order[i] = r - 1 - i;
        }
        Tensor base = Tensor.zeros(dtype, strided ? reversed : dims);
        for (long f = 0; f < base.numel(); f++) base.setDouble(f, lo + (hi - lo) * rnd.nextDouble());
        return strided ? base.permute(order) : base;
    }

    /**
     * Tolerance for a Cpu result (computed in float, rounded once to the dtype) against the
     * double Reference rounded to the same dtype: one rounding of the output, so about one unit
     * in the last place of the dtype (F16 keeps 11 significant bits, BF16 8); F64 runs the same
     * double loops on both backends.
     */
    static double[] tolerance(DType dtype) {
        return switch (dtype) {
            case F64 -> new double[] {1e-12, 1e-12};
            case F32 -> new double[] {2e-6, 1e-5};
            case F16 -> new double[] {2e-3, 2e-3};
            default -> new double[] {1.6e-2, 1.6e-2};
        };
    }

    static void assertClose(Tensor expected, Tensor got, double atol, double rtol, String what) {
        assertEquals(expected.shape(), got.shape(), what + ": shape");
        assertEquals(expected.dtype(), got.dtype(), what + ": dtype");
        for (long f = 0; f < expected.numel(); f++) {
            double e = expected.getDouble(f), g = got.getDouble(f);
            if (!(Math.abs(g - e) <= atol + rtol * Math.abs(e))) {
                fail(what + ": element " + f + " of " + expected.shape() + " is " + g + ", expected " + e
                        + " (|diff| " + Math.abs(g - e) + " > atol " + atol + " + rtol " + rtol + ")");
            }
        }
    }

    static void assertClose(Tensor expected, Tensor got, DType dtype, String what) {
        double[] tol = tolerance(dtype);
        assertClose(expected, got, tol[0], tol[1], what);
    }

    /** sum(t * w) in double. */
    static double dot(Tensor t, Tensor w) {
        double s = 0;
        for (long f = 0; f < t.numel(); f++) s += t.getDouble(f) * w.getDouble(f);
        return s;
    }

    /** Central difference of {@code loss} along element f of the F64 tensor x (modified in place and restored). */
    static double centralDifference(Tensor x, long f, double h, java.util.function.DoubleSupplier loss) {
        double x0 = x.getDouble(f);
        x.setDouble(f, x0 + h);
        double up = loss.getAsDouble();
        x.setDouble(f, x0 - h);
        double down = loss.getAsDouble();
        x.setDouble(f, x0);
        return (up - down) / (2 * h);
    }
}
