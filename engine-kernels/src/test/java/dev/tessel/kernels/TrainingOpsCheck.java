package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;

/**
 * The checks of the mixed-precision training ops (unscaleFilter, adamwStep) against the
 * Reference backend, shared by the Cpu test (TrainingKernelTest) and the OpenCL test (run in its
 * own JVM), so every backend passes exactly the same cases.
 *
 * <p>Invariant: inputs include Inf, NaN and (for 16-bit dtypes) values that overflow after
 * scaling, odd sizes and non-contiguous views; tolerances are stated where they are set.
 */
final class TrainingOpsCheck {
    private TrainingOpsCheck() {}

    /** A scaled gradient of odd size with Inf, -Inf, NaN and huge values planted; also as non-contiguous views. */
    static List<Tensor> unscaleInputs(DType dtype) {
        Tensor base = KernelTestSupport.random(dtype, 41, -3000, 3000, 37, 29);
        base.setDouble(3, Double.POSITIVE_INFINITY);
        base.setDouble(100, Double.NEGATIVE_INFINITY);
        base.setDouble(517, Double.NaN);
        // A scale below 1 pushes this past the 16-bit maxima (F16 65504) without being Inf in the input.
        base.setDouble(800, dtype == DType.BF16 ? 3e38 : 60000);
        return List.of(base,
                KernelTestSupport.transposedView(dtype, 42, -50, 50, 23, 31),
                KernelTestSupport.slicedView(dtype, 43, -50, 50, 19, 33),
                KernelTestSupport.expandedView(dtype, 44, -50, 50, 5, 41));
    }

    static void checkUnscaleFilter(Backend backend, List<DType> dtypes) {
        Backend ref = Backends.reference();
        for (DType dtype : dtypes) {
            for (double scale : new double[] {1024, 0.5, 3.0}) {
                for (Tensor x : unscaleInputs(dtype)) {
                    String what = backend.name() + " unscaleFilter " + OpChecks.describe(x) + " strides " + java.util.Arrays.toString(x.strides())
                            + " scale " + scale;
                    Unscaled want = ref.unscaleFilter(x, scale), got = backend.unscaleFilter(x, scale);
                    assertEquals(want.nonFinite(), got.nonFinite(), what + ": non-finite count");
                    // One product rounded once to the dtype on both sides; the float kernels round the
                    // product to float first, which can move a 16-bit tie by one unit: one ulp of the dtype.
                    double rtol = dtype == DType.F64 ? 0 : dtype == DType.F32 ? 0 : KernelTestSupport.eps(dtype);
                    KernelTestSupport.assertClose(want.values(), got.values(), 0, rtol, what);
                }
            }
        }
    }

    /** Param, grad and moment dtype combinations a backend must accept. */
    record AdamCase(DType param, DType grad, DType mean, DType var) {}

    static final List<AdamCase> ADAM_CASES = List.of(
            new AdamCase(DType.F32, DType.F32, DType.F32, DType.F32),
            new AdamCase(DType.F32, DType.F32, DType.MEAN_1_6_9, DType.VAR_0_6_10),
            new AdamCase(DType.F32, DType.F16, DType.MEAN_1_6_9, DType.VAR_0_6_10),
            new AdamCase(DType.F32, DType.BF16, DType.F32, DType.VAR_0_6_10),
            new AdamCase(DType.F64, DType.F64, DType.F64, DType.F64),
            new AdamCase(DType.F64, DType.F32, DType.MEAN_1_6_9, DType.VAR_0_6_10),
            // 16-bit weights without a master copy (the transformer's mixed precision), full and 16-bit moments
            new AdamCase(DType.F16, DType.F32, DType.MEAN_1_6_9, DType.VAR_0_6_10),
            new AdamCase(DType.F16, DType.F16, DType.F32, DType.F32));

    /** Three steps (bias corrections of t = 1, 2, 3), each from the same state on both backends; a non-finite gradient element is skipped and counted. */
    static void checkAdamW(Backend backend, List<AdamCase> cases) {
        Backend ref = Backends.reference();
        int rows = 13, cols = 21;
        for (AdamCase c : cases) {
            Tensor[] want = adamState(c, rows, cols), got = adamState(c, rows, cols);
            for (int step = 1; step <= 3; step++) {
                // Gradients as a transposed view: the step must read any layout.
                Tensor grad = KernelTestSupport.transposedView(c.grad(), 50 + step, -2, 2, rows, cols);
                if (step == 2) {
                    grad.set(Double.NaN, 4, 5);
                    grad.set(Double.POSITIVE_INFINITY, 7, 0);
                }
                AdamWStep h = new AdamWStep(1e-2, 0.9, 0.96, 1e-8, 4.5e-2, step, step == 3 ? 0.5 : Double.POSITIVE_INFINITY);
                String what = backend.name() + " adamwStep " + c + " step " + step;
                // Each step starts both backends from the oracle's state, so differences never compound.
                for (int k = 0; k < 3; k++) got[k].copyFrom(want[k]);
                long wantSkipped = ref.adamwStep(want[0], grad, want[1], want[2], h);
                long gotSkipped = backend.adamwStep(got[0], grad, got[1], got[2], h);
                assertEquals(step == 2 ? 2 : 0, wantSkipped, what + ": reference skipped count");
                assertEquals(wantSkipped, gotSkipped, what + ": skipped count");
                // Float kernels vs the double oracle. m = b1·m + (1-b1)·g and v can cancel, so their float
                // error is a few ulps of the terms (|terms| <= 0.3 for m, 0.2 for v here), not of the
                // result; a 16-bit moment can also land one format unit away (float m on the other
                // side of a rounding boundary). The parameter moves by at most ~lr·|m̂/√v̂| per step,
                // so its error is that step (<= 0.1) times the relative error of m̂/√v̂.
                double termUlps = 8 * 0x1p-23;
                boolean exact = c.param() == DType.F64 && c.grad() == DType.F64;
                KernelTestSupport.assertClose(want[1], got[1], exact ? 1e-16 : 0.3 * termUlps, rel(c.mean()), what + " exp_avg");
                KernelTestSupport.assertClose(want[2], got[2], exact ? 1e-16 : 0.2 * termUlps, rel(c.var()), what + " exp_avg_sq");
                double paramAtol = exact ? 1e-15 : 0.1 * Math.max(Math.max(rel(c.mean()), rel(c.var())), 1e-4);
                // An F16 parameter is rounded to F16 once on both sides, from a double (oracle) or a
                // float (kernel) result that can sit on either side of a rounding boundary: one F16 unit.
                double paramRtol = c.param() == DType.F16 ? 0x1p-10 : 0;
                KernelTestSupport.assertClose(want[0], got[0], paramAtol, paramRtol, what + " param");
            }
        }
    }

    /** Relative size of one unit in the last place of a storage dtype. */
    private static double rel(DType d) {
        return switch (d) {
            case MEAN_1_6_9 -> 0x1p-9;
            case VAR_0_6_10 -> 0x1p-10;
            case F64 -> 0x1p-50;
            default -> 0;
        };
    }

    private static Tensor[] adamState(AdamCase c, int rows, int cols) {
        Tensor p = KernelTestSupport.random(c.param(), 60, -1, 1, rows, cols);
        Tensor m = KernelTestSupport.random(c.mean(), 61, -0.1, 0.1, rows, cols);
        Tensor v = KernelTestSupport.random(c.var(), 62, 0, 0.05, rows, cols);
        return new Tensor[] {p, m, v};
    }
}
