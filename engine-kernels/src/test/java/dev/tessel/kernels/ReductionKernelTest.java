package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.tessel.kernels.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Reductions, argmax, softmax, log-softmax and layer norm on every backend and float dtype:
 * against loops written out here, against the Reference backend at odd sizes and on
 * non-contiguous views, and against the golden layernorm case.
 *
 * <p>Invariant: a sum over n terms is allowed the accumulation error of its compute type
 * (n·eps·Σ|x|, the textbook worst case) on top of one rounding into the dtype.
 */
class ReductionKernelTest {
    static Stream<Backend> backends() { return Stream.of(Backends.reference(), Backends.cpu()); }

    static Stream<Arguments> backendsAndFloats() {
        return backends().flatMap(b -> FLOATS.stream().map(d -> Arguments.of(b, d)));
    }

    /** Float-dtype kernels accumulate in float at best (F64 in double). */
    static double computeEps(DType d) { return d == DType.F64 ? eps(DType.F64) : eps(DType.F32); }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void reduceMatchesLoopsOnEveryAxis(Backend backend, DType dtype) {
        int[] dims = {4, 7, 5};
        try (Tensor x = random(dtype, 51, -3, 3, dims)) {
            for (ReduceOp op : ReduceOp.values()) {
                for (int axis : new int[] {0, 1, 2, -1, -3}) {
                    int a = axis < 0 ? axis + 3 : axis;
                    for (boolean keepDim : new boolean[] {false, true}) {
                        try (Tensor y = backend.reduce(op, x, axis, keepDim)) {
                            assertEquals(keepDim ? 3 : 2, y.rank());
                            int[] idx = new int[3];
                            for (int flat = 0; flat < y.numel(); flat++) {
                                // Walk the reduced position: split flat over the kept axes.
                                int rem = flat;
                                for (int d = 2; d >= 0; d--) {
                                    if (d == a) { idx[d] = 0; continue; }
                                    idx[d] = rem % dims[d];
                                    rem /= dims[d];
                                }
                                double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0, abs = 0;
                                for (int k = 0; k < dims[a]; k++) {
                                    idx[a] = k;
                                    double v = x.get(idx);
                                    acc = op == ReduceOp.MAX ? Math.max(acc, v) : acc + v;
                                    abs += Math.abs(v);
                                }
                                if (op == ReduceOp.MEAN) { acc /= dims[a]; abs /= dims[a]; }
                                double tol = eps(dtype) * Math.abs(acc) + dims[a] * computeEps(dtype) * abs;
                                assertEquals(acc, y.getDouble(flat), tol, backend.name() + " " + op + " axis " + axis + " " + dtype);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void reduceAndSoftmaxRejectBadAxis(Backend backend) {
        try (Tensor x = Tensor.zeros(DType.F32, 2, 3)) {
            var e = assertThrows(IllegalArgumentException.class, () -> backend.reduce(ReduceOp.SUM, x, 2, false));
            assertTrue(e.getMessage().contains("SUM") && e.getMessage().contains("F32[2, 3]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.softmax(x, -3));
            assertThrows(IllegalArgumentException.class, () -> backend.argmax(x, 5));
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void argmaxPicksTheFirstMaximum(Backend backend, DType dtype) {
        // Values from {0, 1, 2} make ties on almost every row.
        try (Tensor x = randomIds(DType.I32, 61, 3, 6, 9); Tensor xf = Tensor.zeros(dtype, 6, 9)) {
            for (int i = 0; i < 54; i++) xf.setDouble(i, x.getDouble(i));
            for (int axis : new int[] {0, 1, -1}) {
                int a = axis < 0 ? axis + 2 : axis;
                try (Tensor y = backend.argmax(xf, axis)) {
                    assertEquals(DType.I64, y.dtype());
                    assertEquals(1, y.rank());
                    for (int j = 0; j < y.numel(); j++) {
                        int best = 0;
                        for (int k = 1; k < xf.dim(a); k++) {
                            double v = a == 0 ? xf.get(k, j) : xf.get(j, k), b = a == 0 ? xf.get(best, j) : xf.get(j, best);
                            if (v > b) best = k;
                        }
                        assertEquals(best, y.getLong(j), backend.name() + " axis " + axis);
                    }
                }
            }
        }
        try (Tensor x = Tensor.fromDoubles(dtype, new double[] {1, Double.NaN, 5, Double.NaN}, 4); Tensor y = backend.argmax(x, 0)) {
            assertEquals(1, y.getLong(0), "NaN counts as the maximum, first one wins");
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void softmaxAndLogSoftmaxMatchTheDefinition(Backend backend, DType dtype) {
        int[] dims = {3, 5, 4};
        try (Tensor x = random(dtype, 71, -4, 4, dims)) {
            for (int axis : new int[] {0, 1, 2, -2}) {
                int a = axis < 0 ? axis + 3 : axis;
                try (Tensor p = backend.softmax(x, axis); Tensor lp = backend.logSoftmax(x, axis)) {
                    int[] idx = new int[3];
                    for (int flat = 0; flat < x.numel(); flat++) {
                        int rem = flat;
                        for (int d = 2; d >= 0; d--) { idx[d] = rem % dims[d]; rem /= dims[d]; }
                        int own = idx[a];
                        double sum = 0;
                        for (int k = 0; k < dims[a]; k++) { idx[a] = k; sum += Math.exp(x.get(idx)); }
                        idx[a] = own;
                        double want = Math.exp(x.get(idx)) / sum, wantLog = x.get(idx) - Math.log(sum);
                        // exp and the n-term sum in the compute type, then one rounding into the dtype;
                        // log-softmax values are O(|x| + ln n), so its error is absolute.
                        double tol = 2 * eps(dtype) * want + dims[a] * computeEps(dtype) * want;
                        assertEquals(want, p.getDouble(flat), tol, backend.name() + " softmax axis " + axis + " " + dtype);
                        double logTol = 2 * eps(dtype) * Math.abs(wantLog) + 8 * computeEps(dtype) * (4 + Math.log(dims[a]));
                        assertEquals(wantLog, lp.getDouble(flat), logTol, backend.name() + " logSoftmax axis " + axis + " " + dtype);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void softmaxIsStableForHugeLogits(Backend backend) {
        // e^1000 overflows double: without subtracting the max this would be NaN.
        try (Tensor x = Tensor.of(new float[] {1000, 999, 998, -1000}, 1, 4);
             Tensor shifted = Tensor.of(new float[] {2, 1, 0, -1998}, 1, 4);
             Tensor p = backend.softmax(x, 1); Tensor q = backend.softmax(shifted, 1);
             Tensor lp = backend.logSoftmax(x, 1); Tensor lq = backend.logSoftmax(shifted, 1)) {
            assertClose(q, p, 0, 2 * eps(DType.F32), "softmax shift invariance");
            assertClose(lq, lp, 4 * eps(DType.F32), 2 * eps(DType.F32), "logSoftmax shift invariance");
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void layerNormMatchesTheDefinition(Backend backend, DType dtype) {
        int rows = 6, c = 37;
        try (Tensor x = random(dtype, 81, -2, 3, 2, 3, c); Tensor w = random(dtype, 82, 0.5, 1.5, c); Tensor b = random(dtype, 83, -1, 1, c)) {
            double eps = 1e-5;
            for (boolean affine : new boolean[] {false, true}) {
                try (Tensor y = backend.layerNorm(x, affine ? w : null, affine ? b : null, eps)) {
                    for (int r = 0; r < rows; r++) {
                        double mean = 0, var = 0;
                        for (int k = 0; k < c; k++) mean += x.getDouble((long) r * c + k) / c;
                        for (int k = 0; k < c; k++) var += Math.pow(x.getDouble((long) r * c + k) - mean, 2) / c;
                        for (int k = 0; k < c; k++) {
                            double want = (x.getDouble((long) r * c + k) - mean) / Math.sqrt(var + eps);
                            if (affine) want = want * w.getDouble(k) + b.getDouble(k);
                            // Normalised values are O(1..3): mean and variance carry c-term sums in the
                            // compute type; one rounding into the dtype.
                            double tol = 2 * eps(dtype) * Math.abs(want) + 4 * c * computeEps(dtype);
                            assertEquals(want, y.getDouble((long) r * c + k), tol, backend.name() + " layerNorm " + dtype);
                        }
                    }
                }
            }
            try (Tensor wrong = Tensor.zeros(dtype, c + 1)) {
                var e = assertThrows(IllegalArgumentException.class, () -> backend.layerNorm(x, wrong, null, eps));
                assertTrue(e.getMessage().contains("layerNorm") && e.getMessage().contains("[" + (c + 1) + "]"), e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ Cpu against Reference

    /**
     * Inputs whose reduced axis has odd lengths up to ~1000, in contiguous and non-contiguous
     * layouts; each is paired with the axes to reduce.
     */
    static List<Tensor> inputs(DType dtype, long seed) {
        List<Tensor> inputs = new ArrayList<>();
        for (int n : new int[] {1, 7, 31, 257, 1000}) inputs.add(random(dtype, seed + n, -5, 5, 3, n));
        inputs.add(random(dtype, seed, -5, 5, 2, 1023, 3));
        // Enough lines for two Cpu tasks on either axis; 70 lines split into ragged 16-line blocks.
        inputs.add(random(dtype, seed + 3, -5, 5, 70, 600));
        for (var view : views(dtype, -5, 5, 19, 33)) inputs.add(view.apply(seed + 1));
        inputs.add(random(dtype, seed + 2, -5, 5, 4, 5, 6).permute(2, 0, 1));
        return inputs;
    }

    /** Max relative error of the compute type over an n-term line, one-rounding slack for the dtype. */
    static double lineRtol(DType dtype, int n) { return 2 * eps(dtype) + n * computeEps(dtype); }

    @ParameterizedTest
    @MethodSource("dev.tessel.kernels.KernelTestSupport#floats")
    void cpuReductionsMatchReference(DType dtype) {
        Backend ref = Backends.reference(), cpu = Backends.cpu();
        for (Tensor x : inputs(dtype, 171)) {
            for (int axis = -x.rank(); axis < x.rank(); axis++) {
                int n = x.dim(axis);
                String what = dtype + " " + x.shape() + " axis " + axis;
                for (ReduceOp op : ReduceOp.values()) {
                    try (Tensor want = ref.reduce(op, x, axis, axis % 2 == 0); Tensor got = cpu.reduce(op, x, axis, axis % 2 == 0)) {
                        // Sums of n values in [-5, 5]: float accumulation error up to n·eps·Σ|x| ≤ n·eps·5n (absolute).
                        double atol = op == ReduceOp.MAX ? 0 : n * computeEps(dtype) * 5 * n / (op == ReduceOp.MEAN ? n : 1);
                        assertClose(want, got, atol, 2 * eps(dtype), op + " " + what);
                    }
                }
                try (Tensor want = ref.argmax(x, axis); Tensor got = cpu.argmax(x, axis)) {
                    assertBitsEqual(want, got, "argmax " + what);
                }
                try (Tensor want = ref.softmax(x, axis); Tensor got = cpu.softmax(x, axis)) {
                    assertClose(want, got, subnormalSpacing(dtype), lineRtol(dtype, n) + 10 * computeEps(dtype), "softmax " + what);
                }
                try (Tensor want = ref.logSoftmax(x, axis); Tensor got = cpu.logSoftmax(x, axis)) {
                    // Values are O(10 + ln n): the error is absolute, from the max and the log-sum.
                    assertClose(want, got, 16 * computeEps(dtype) * (10 + Math.log(n)), 2 * eps(dtype), "logSoftmax " + what);
                }
            }
            x.close();
        }
    }

    /**
     * layerNormBackward against the Jacobian of layer norm written out element by element:
     * dx_j = Σ_k g_k·w_k·∂x̂_k/∂x_j with ∂x̂_k/∂x_j = rstd·(δ_kj − 1/C − x̂_k·x̂_j/C) -- a different
     * route from the kernels' closed form rstd·(d − mean(d) − x̂·mean(d·x̂)).
     */
    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void layerNormBackwardMatchesTheJacobian(Backend backend, DType dtype) {
        int rows = 6, c = 37;
        double eps = 1e-5;
        try (Tensor x = random(dtype, 91, -2, 3, 2, 3, c); Tensor g = random(dtype, 92, -1, 1, 2, 3, c); Tensor w = random(dtype, 93, 0.5, 1.5, c)) {
            for (boolean affine : new boolean[] {false, true}) {
                Tensor[] got = backend.layerNormBackward(x, affine ? w : null, g, eps);
                double[] dWeight = new double[c], dBias = new double[c], absWeight = new double[c], absBias = new double[c];
                for (int r = 0; r < rows; r++) {
                    double mean = 0, var = 0;
                    for (int k = 0; k < c; k++) mean += x.getDouble((long) r * c + k) / c;
                    for (int k = 0; k < c; k++) var += Math.pow(x.getDouble((long) r * c + k) - mean, 2) / c;
                    double rstd = 1 / Math.sqrt(var + eps);
                    double[] xhat = new double[c], d = new double[c];
                    double maxD = 0;
                    for (int k = 0; k < c; k++) {
                        double gk = g.getDouble((long) r * c + k);
                        xhat[k] = (x.getDouble((long) r * c + k) - mean) * rstd;
                        d[k] = affine ? gk * w.getDouble(k) : gk;
                        maxD = Math.max(maxD, Math.abs(d[k]));
                        dWeight[k] += gk * xhat[k];
                        dBias[k] += gk;
                        absWeight[k] += Math.abs(gk * xhat[k]);
                        absBias[k] += Math.abs(gk);
                    }
                    for (int j = 0; j < c; j++) {
                        double want = 0;
                        for (int k = 0; k < c; k++) want += d[k] * rstd * ((k == j ? 1 : 0) - 1.0 / c - xhat[k] * xhat[j] / c);
                        // the row statistics and the two row sums carry c-term errors of the compute type on
                        // the scale of rstd·max|d|·(1 + max|x̂|) (x̂ ≤ ~3 here); one rounding into the dtype
                        double tol = 16 * c * computeEps(dtype) * rstd * maxD * 4 + 2 * eps(dtype) * Math.abs(want);
                        assertEquals(want, got[0].getDouble((long) r * c + j), tol, backend.name() + " dx " + dtype + " row " + r);
                    }
                }
                for (int k = 0; k < c; k++) {
                    // sums over the rows: rows + c terms' error (x̂ itself carries c) on the scale of the absolute sum
                    double tolW = 8 * (rows + c) * computeEps(dtype) * absWeight[k] + 2 * eps(dtype) * Math.abs(dWeight[k]);
                    double tolB = 4 * rows * computeEps(dtype) * absBias[k] + 2 * eps(dtype) * Math.abs(dBias[k]);
                    assertEquals(dWeight[k], got[1].getDouble(k), tolW, backend.name() + " dWeight " + dtype);
                    assertEquals(dBias[k], got[2].getDouble(k), tolB, backend.name() + " dBias " + dtype);
                }
                for (Tensor t : got) t.close();
            }
            try (Tensor wrong = Tensor.zeros(dtype, 2, 3, c + 1)) {
                var e = assertThrows(IllegalArgumentException.class, () -> backend.layerNormBackward(x, null, wrong, eps));
                assertTrue(e.getMessage().contains("layerNormBackward") && e.getMessage().contains("[2, 3, " + (c + 1) + "]"), e.getMessage());
            }
        }
    }

    /** The fused Cpu kernel against the Reference loops at odd sizes, on views, and over enough rows for several row blocks. */
    @ParameterizedTest
    @MethodSource("dev.tessel.kernels.KernelTestSupport#floats")
    void cpuLayerNormBackwardMatchesReference(DType dtype) {
        Backend ref = Backends.reference(), cpu = Backends.cpu();
        List<Tensor> inputs = inputs(dtype, 281);
        inputs.add(random(dtype, 282, -5, 5, 5000, 3));   // 5,000 rows: 256 blocks of 20 rows (the last short)
        for (Tensor x : inputs) {
            int c = x.dim(-1);
            long rows = x.numel() / c;
            try (Tensor w = random(dtype, 283, 0.5, 1.5, c); Tensor g = random(dtype, 284, -1, 1, x.shape().toArray())) {
                for (Tensor weight : new Tensor[] {null, w, w.unsqueeze(0).expand(2, c).slice(0, 1, 2).squeeze(0)}) {
                    Tensor[] want = ref.layerNormBackward(x, weight, g, 1e-5), got = cpu.layerNormBackward(x, weight, g, 1e-5);
                    double[] absWeight = new double[c], absBias = new double[c];
                    for (long r = 0; r < rows; r++) {
                        double mean = 0, var = 0, maxAbs = 0, maxD = 0;
                        for (int k = 0; k < c; k++) { double v = x.getDouble(r * c + k); mean += v / c; maxAbs = Math.max(maxAbs, Math.abs(v)); }
                        for (int k = 0; k < c; k++) var += Math.pow(x.getDouble(r * c + k) - mean, 2) / c;
                        double rstd = 1 / Math.sqrt(var + 1e-5);
                        for (int k = 0; k < c; k++) {
                            double gk = g.getDouble(r * c + k);
                            maxD = Math.max(maxD, Math.abs(gk) * 1.5);
                            absWeight[k] += Math.abs(gk * (x.getDouble(r * c + k) - mean) * rstd);
                            absBias[k] += Math.abs(gk);
                        }
                        // as the forward's check: x − mean carries c terms' error on the scale of max|x|, divided by
                        // the row's deviation; the gradient formula multiplies it by rstd·max|d| and x̂
                        double xhatErr = 8 * c * computeEps(dtype) * (1 + maxAbs * rstd);
                        double atol = rstd * maxD * (xhatErr * (1 + maxAbs * rstd) + 8 * c * computeEps(dtype));
                        for (int k = 0; k < c; k++) {
                            double wv = want[0].getDouble(r * c + k), gv = got[0].getDouble(r * c + k);
                            if (!(Math.abs(gv - wv) <= atol + 2 * eps(dtype) * Math.abs(wv))) {
                                fail("layerNormBackward dx " + dtype + " " + x.shape() + " row " + r + ": want " + wv + " got " + gv + " (atol " + atol + ")");
                            }
                        }
                    }
                    for (int k = 0; k < c; k++) {
                        double tolW = 8 * (rows + c) * computeEps(dtype) * absWeight[k] * 4, tolB = 4 * rows * computeEps(dtype) * absBias[k];
                        assertEquals(want[1].getDouble(k), got[1].getDouble(k), tolW + 2 * eps(dtype) * Math.abs(want[1].getDouble(k)), "dWeight " + dtype + " " + x.shape());
                        assertEquals(want[2].getDouble(k), got[2].getDouble(k), tolB + 2 * eps(dtype) * Math.abs(want[2].getDouble(k)), "dBias " + dtype + " " + x.shape());
                    }
                    for (Tensor t : want) t.close();
                    for (Tensor t : got) t.close();
                }
            }
            x.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.tessel.kernels.KernelTestSupport#floats")
    void cpuLayerNormMatchesReference(DType dtype) {
        Backend ref = Backends.reference(), cpu = Backends.cpu();
        for (Tensor x : inputs(dtype, 181)) {
            int c = x.dim(-1);
            try (Tensor w = random(dtype, 182, 0.5, 1.5, c); Tensor b = random(dtype, 183, -1, 1, c)) {
                for (Tensor[] params : new Tensor[][] {{null, null}, {w, b}, {w.unsqueeze(0).expand(2, c).slice(0, 1, 2).squeeze(0), null}}) {
                    try (Tensor want = ref.layerNorm(x, params[0], params[1], 1e-5); Tensor got = cpu.layerNorm(x, params[0], params[1], 1e-5)) {
                        for (long r = 0; r < want.numel() / c; r++) {
                            double mean = 0, var = 0, maxAbs = 0;
                            for (int k = 0; k < c; k++) { double v = x.getDouble(r * c + k); mean += v / c; maxAbs = Math.max(maxAbs, Math.abs(v)); }
                            for (int k = 0; k < c; k++) var += Math.pow(x.getDouble(r * c + k) - mean, 2) / c;
                            // x − mean carries the compute type's c-term error on the scale of max|x|,
                            // and normalising divides it by the row's standard deviation; weights (≤ 1.5) scale it.
                            double atol = 8 * c * computeEps(dtype) * (1 + maxAbs / Math.sqrt(var + 1e-5)) * 1.5;
                            for (int k = 0; k < c; k++) {
                                double wv = want.getDouble(r * c + k), gv = got.getDouble(r * c + k);
                                if (!(Math.abs(gv - wv) <= atol + 2 * eps(dtype) * Math.abs(wv))) {
                                    fail("layerNorm " + dtype + " " + x.shape() + " row " + r + ": want " + wv + " got " + gv + " (atol " + atol + ")");
                                }
                            }
                        }
                    }
                }
            }
            x.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void emptyAxesAndScalarsFollowTheConventions(Backend backend) {
        try (Tensor empty = Tensor.zeros(DType.F32, 0, 3); Tensor sum = backend.reduce(ReduceOp.SUM, empty, 0, false);
             Tensor mean = backend.reduce(ReduceOp.MEAN, empty, 0, true); Tensor none = backend.softmax(empty, 1)) {
            assertEquals(List.of(3), List.of(sum.dim(0)));
            for (int i = 0; i < 3; i++) {
                assertEquals(0.0, sum.getDouble(i), "an empty sum is 0");
                assertTrue(Double.isNaN(mean.getDouble(i)), "an empty mean is 0/0");
            }
            assertEquals(0, none.numel());
            var e = assertThrows(IllegalArgumentException.class, () -> backend.reduce(ReduceOp.MAX, empty, 0, false));
            assertTrue(e.getMessage().contains("MAX") && e.getMessage().contains("F32[0, 3]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.argmax(empty, 0));
        }
        try (Tensor scalar = Tensor.scalar(DType.F32, -2); Tensor row = Tensor.of(new float[] {1, 2, 3}, 3);
             Tensor neg = backend.unary(UnaryOp.NEG, scalar); Tensor sum = backend.binary(BinaryOp.ADD, scalar, row)) {
            assertEquals(0, neg.rank());
            assertEquals(2.0, neg.getDouble(0));
            for (int i = 0; i < 3; i++) assertEquals(row.getDouble(i) - 2, sum.getDouble(i));
            assertThrows(IllegalArgumentException.class, () -> backend.reduce(ReduceOp.SUM, scalar, 0, false));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void layerNormMatchesGoldenCase(Backend backend) {
        String file = "layernorm-01.safetensors";
        assumeTrue(GoldenCase.available(file), "golden folder not present");
        GoldenCase golden = GoldenCase.read(file);
        try (Tensor y = backend.layerNorm(golden.tensor("in.x"), golden.tensor("param.weight"), golden.tensor("param.bias"),
                golden.attrNumber("eps"))) {
            assertClose(golden.tensor("out.y"), y, 1e-5, 1e-4, file + " on " + backend.name()); // FORMAT.md section 2
        }
    }
}
