package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared pieces of the kernel tests: seeded random tensors, the non-contiguous views every fast
 * path must handle, and an elementwise closeness check that reports the first mismatches.
 *
 * <p>Invariant: tolerances are always derived from the dtype's epsilon (unit roundoff ×2) by the
 * caller, with a comment saying why; nothing here loosens them.
 */
final class KernelTestSupport {
    static final List<DType> FLOATS = List.of(DType.F64, DType.F32, DType.F16, DType.BF16);

    private KernelTestSupport() {}

    static java.util.stream.Stream<DType> floats() { return FLOATS.stream(); }

    /** Machine epsilon (distance from 1 to the next value) of a float dtype. */
    static double eps(DType d) {
        return switch (d) {
            case F64 -> 0x1p-52;
            case F32 -> 0x1p-23;
            case F16 -> 0x1p-10;
            case BF16 -> 0x1p-7;
            default -> throw new IllegalArgumentException("no epsilon for " + d);
        };
    }

    /** Spacing of the subnormals of a float dtype: the absolute rounding step near zero. */
    static double subnormalSpacing(DType d) {
        return switch (d) {
            case F64 -> Double.MIN_VALUE;
            case F32 -> Float.MIN_VALUE;
            case F16 -> 0x1p-24;
            case BF16 -> 0x1p-133;
            default -> throw new IllegalArgumentException("no subnormals in " + d);
        };
    }

    /** Uniform values in [lo, hi), rounded into {@code dtype}. */
    static Tensor random(DType dtype, long seed, double lo, double hi, int... dims) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dtype, dims);
        long n = t.numel();
        for (long i = 0; i < n; i++) t.setDouble(i, lo + (hi - lo) * rng.nextDouble());
        return t;
    }

    static Tensor randomIds(DType dtype, long seed, int bound, int... dims) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dtype, dims);
        long n = t.numel();
        for (long i = 0; i < n; i++) t.setDouble(i, rng.nextInt(bound));
        return t;
    }

    /** A view with the given logical shape [rows, cols] whose memory is the transpose. */
    static Tensor transposedView(DType dtype, long seed, double lo, double hi, int rows, int cols) {
        return random(dtype, seed, lo, hi, cols, rows).transpose(0, 1);
    }

    /** A [rows, cols] view cut out of a larger tensor, so rows are not adjacent and the offset is non-zero. */
    static Tensor slicedView(DType dtype, long seed, double lo, double hi, int rows, int cols) {
        return random(dtype, seed, lo, hi, rows + 2, cols + 3).slice(0, 1, rows + 1).slice(1, 2, cols + 2);
    }

    /** A [rows, cols] view of a single row broadcast down (stride 0 on axis 0). */
    static Tensor expandedView(DType dtype, long seed, double lo, double hi, int rows, int cols) {
        return random(dtype, seed, lo, hi, 1, cols).expand(rows, cols);
    }

    /** The three non-contiguous layouts of a logical [rows, cols] input. */
    static List<Function<Long, Tensor>> views(DType dtype, double lo, double hi, int rows, int cols) {
        return List.of(
                seed -> transposedView(dtype, seed, lo, hi, rows, cols),
                seed -> slicedView(dtype, seed, lo, hi, rows, cols),
                seed -> expandedView(dtype, seed, lo, hi, rows, cols));
    }

    /** |got − want| ≤ atol + rtol·|want| everywhere (NaN matches NaN), same dtype and shape. */
    static void assertClose(Tensor want, Tensor got, double atol, double rtol, String what) {
        assertEquals(want.dtype(), got.dtype(), what + ": dtype");
        assertEquals(want.shape(), got.shape(), what + ": shape");
        long n = want.numel();
        StringBuilder bad = new StringBuilder();
        int failures = 0;
        for (long i = 0; i < n; i++) {
            double w = want.getDouble(i), g = got.getDouble(i);
            boolean ok = Double.isNaN(w) ? Double.isNaN(g)
                    : w == g || Math.abs(g - w) <= atol + rtol * Math.abs(w);
            if (!ok && failures++ < 5) bad.append("\n  [").append(i).append("] want ").append(w).append(" got ").append(g);
        }
        if (failures > 0) fail(what + ": " + failures + " of " + n + " elements differ (atol " + atol + ", rtol " + rtol + "):" + bad);
    }

    /** Bit-for-bit equality of the logical elements. */
    static void assertBitsEqual(Tensor want, Tensor got, String what) {
        assertEquals(want.dtype(), got.dtype(), what + ": dtype");
        assertEquals(want.shape(), got.shape(), what + ": shape");
        long n = want.numel();
        for (long i = 0; i < n; i++) {
            long w = want.bitsAt(want.physicalIndex(i)), g = got.bitsAt(got.physicalIndex(i));
            if (w != g) fail(what + ": element " + i + " want " + want.getDouble(i) + " got " + got.getDouble(i));
        }
    }
}
