package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;

import static dev.tessel.kernels.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Elementwise ops (unary, binary, where, cast) on every backend and float dtype: against formulas
 * written out independently here, against the Reference backend on odd sizes and non-contiguous
 * views, and against the golden GELU cases.
 *
 * <p>Invariant: each tolerance says which roundings it allows for.
 */
class ElementwiseKernelTest {
    static Stream<Backend> backends() { return Stream.of(Backends.reference(), Backends.cpu()); }

    static Stream<Arguments> backendsAndFloats() {
        return backends().flatMap(b -> FLOATS.stream().map(d -> Arguments.of(b, d)));
    }

    // ------------------------------------------------------------------ erf

    @Test
    void erfMatchesKnownValues() {
        // Known values to 16 digits; allow 2 ulp.
        assertUlps(0.5204998778130465, SpecialFunctions.erf(0.5), 2);
        assertUlps(0.8427007929497149, SpecialFunctions.erf(1.0), 2);
        assertUlps(0.9953222650189527, SpecialFunctions.erf(2.0), 2);
        assertUlps(0.9999779095030014, SpecialFunctions.erf(3.0), 2);
        assertUlps(1.5374597944280349e-12, SpecialFunctions.erfc(5.0), 8);
        assertUlps(2.0884875837625446e-45, SpecialFunctions.erfc(10.0), 64);
        assertEquals(0.0, SpecialFunctions.erf(0.0));
        assertEquals(1.0, SpecialFunctions.erf(Double.POSITIVE_INFINITY));
        assertTrue(Double.isNaN(SpecialFunctions.erf(Double.NaN)));
    }

    @Test
    void erfSymmetriesAndComplementHold() {
        for (double x = -7; x <= 7; x += 0.0137) {
            assertEquals(-SpecialFunctions.erf(x), SpecialFunctions.erf(-x), 0.0, "odd at " + x);
            assertEquals(1.0, SpecialFunctions.erf(x) + SpecialFunctions.erfc(x), 4e-16, "erf + erfc at " + x);
            assertEquals(2.0, SpecialFunctions.erfc(x) + SpecialFunctions.erfc(-x), 4e-16, "erfc reflection at " + x);
        }
        // The two branches meet at 2.5 (series below, continued fraction above). Below, erfc is 1 − erf,
        // whose absolute error is an ulp of 1.0 (2.2e-16); the step itself changes erfc by ~1e-19.
        double below = SpecialFunctions.erfc(Math.nextDown(2.5)), at = SpecialFunctions.erfc(2.5);
        assertEquals(at, below, 2 * Math.ulp(1.0));
    }

    @Test
    void cpuFloatErfIsAccurateOnADenseGrid() {
        // The Cpu float erf is a polynomial fit (FloatLanes): fit error ≤ 3.1e-7 relative, plus a few
        // float roundings, plus e^(−y²) magnifying the one rounding of y² (y²·eps/2; y²·eps allowed).
        double fit = 3.1e-7, e = eps(DType.F32);
        int n = 24001;
        float[] grid = new float[n];
        for (int i = 0; i < n; i++) grid[i] = -18f + 24f * i / (n - 1);
        try (Tensor x = Tensor.of(grid, n); Tensor erf = Backends.cpu().unary(UnaryOp.ERF, x); Tensor gelu = Backends.cpu().unary(UnaryOp.GELU_ERF, x)) {
            for (int i = 0; i < n; i++) {
                double xi = grid[i], y = xi / Math.sqrt(2);
                double wantErf = SpecialFunctions.erf(xi), wantGelu = 0.5 * xi * SpecialFunctions.erfc(-y);
                double erfTol = Math.abs(wantErf) * (fit + 4 * e) + Float.MIN_VALUE;
                // In the far tail erfc is a float subnormal, good to an absolute MIN_VALUE, then scaled by 0.5·|x|.
                double geluTol = Math.abs(wantGelu) * (fit + 4 * e + y * y * e) + (1 + Math.abs(xi)) * Float.MIN_VALUE;
                assertEquals(wantErf, erf.getDouble(i), erfTol, "erf(" + xi + ")");
                assertEquals(wantGelu, gelu.getDouble(i), geluTol, "gelu_erf(" + xi + ")");
            }
        }
    }

    private static void assertUlps(double want, double got, int ulps) {
        assertEquals(want, got, ulps * Math.ulp(want), "want " + want + " got " + got);
    }

    // ------------------------------------------------------------------ unary

    /** The textbook form of each op, written independently of ScalarMath. */
    static DoubleUnaryOperator textbook(UnaryOp op) {
        return switch (op) {
            case NEG -> x -> -x;
            case ABS -> Math::abs;
            case SIGN -> x -> x > 0 ? 1 : x < 0 ? -1 : 0;
            case EXP -> Math::exp;
            case LOG -> Math::log;
            case SQRT -> Math::sqrt;
            case RSQRT -> x -> 1 / Math.sqrt(x);
            case TANH -> Math::tanh;
            case SIGMOID -> x -> 1 / (1 + Math.exp(-x));
            case RELU -> x -> x > 0 ? x : 0;
            case ERF -> SpecialFunctions::erf;
            case GELU_ERF -> x -> 0.5 * x * (1 + SpecialFunctions.erf(x / Math.sqrt(2)));
            case GELU_SIGMOID -> x -> x / (1 + Math.exp(-1.702 * x));
            case GELU_TANH -> x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        };
    }

    /**
     * A bound on |x·f'(x)/f(x)| plus a few roundings: how much a relative error in the (rounded)
     * argument grows in the result. For e^z it is |z|, so sigmoid-based forms scale with their
     * exponent argument.
     */
    static double magnification(UnaryOp op, double x) {
        double ax = Math.abs(x);
        return 4 + switch (op) {
            case EXP, TANH, SIGMOID -> ax;
            case GELU_SIGMOID -> 1.702 * ax;
            case GELU_TANH -> 1.6 * (ax + 0.134 * ax * ax * ax);
            case ERF, GELU_ERF -> ax * ax;
            default -> 0;
        };
    }

    static boolean positiveDomain(UnaryOp op) { return op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT; }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void unaryMatchesTextbookFormulas(Backend backend, DType dtype) {
        for (UnaryOp op : UnaryOp.values()) {
            double lo = positiveDomain(op) ? 0.01 : -6, hi = 6;
            try (Tensor x = random(dtype, 11 + op.ordinal(), lo, hi, 7, 13); Tensor y = backend.unary(op, x)) {
                assertEquals(dtype, y.dtype());
                for (int i = 0; i < x.numel(); i++) {
                    double xi = x.getDouble(i), want = textbook(op).applyAsDouble(xi);
                    // One rounding into the dtype (eps·|want|, or the subnormal spacing near 0); float
                    // compute rounds intermediate arguments, which the function magnifies (second
                    // term); the textbook forms 1 + tanh(u) and 1 + erf(v) cancel, losing up to
                    // ~4 double eps × |x| absolutely (the last term).
                    double computeEps = dtype == DType.F64 ? eps(DType.F64) : eps(DType.F32);
                    double tol = 2 * eps(dtype) * Math.abs(want) + subnormalSpacing(dtype)
                            + computeEps * magnification(op, xi) * Math.abs(want) + 8 * eps(DType.F64) * (1 + Math.abs(xi));
                    assertEquals(want, y.getDouble(i), tol, backend.name() + " " + op + " " + dtype + " at x=" + xi);
                }
            }
        }
    }

    // ------------------------------------------------------------------ binary

    static DoubleBinaryOperator javaOperator(BinaryOp op) {
        return switch (op) {
            case ADD -> (a, b) -> a + b;
            case SUB -> (a, b) -> a - b;
            case MUL -> (a, b) -> a * b;
            case DIV -> (a, b) -> a / b;
            case POW -> Math::pow;
            case MAX -> Math::max;
            case MIN -> Math::min;
            case GREATER -> (a, b) -> a > b ? 1 : 0;
            case EQUAL -> (a, b) -> a == b ? 1 : 0;
            // b · (Φ(a) + a φ(a)) from the JDK's own functions, independent of ScalarMath's erfc
            case GELU_ERF_GRAD -> (a, b) -> b * (normalCdf(a) + a * Math.exp(-0.5 * a * a) / Math.sqrt(2 * Math.PI));
        };
    }

    /**
     * What GELU_ERF_GRAD may differ by beyond the final rounding: in float, the lanes' erf and exp
     * approximations cost a few float ulps of each of its two terms b·Φ(a) and b·a·φ(a) (which
     * cancel near a = -0.75, so the bound is on the terms, not the result); in double,
     * SpecialFunctions.erfc against Simpson's rule, both good to ~1e-14.
     */
    static double geluGradError(DType dtype, double a, double b) {
        double terms = Math.abs(b) * (normalCdf(a) + Math.abs(a) * Math.exp(-0.5 * a * a) / Math.sqrt(2 * Math.PI));
        return (dtype == DType.F64 ? 1e-13 : 8 * eps(DType.F32)) * terms;
    }

    /** Cpu against Reference for GELU_ERF_GRAD, element by element with {@link #geluGradError} beyond one rounding of the dtype. */
    static void assertGeluGradClose(Tensor a, Tensor b, Tensor want, Tensor got, DType dtype, String what) {
        int[] dims = want.shape().toArray();
        Tensor ab = a.expand(dims), bb = b.expand(dims);
        long n = want.numel();
        int failures = 0;
        StringBuilder bad = new StringBuilder();
        for (long i = 0; i < n; i++) {
            double w = want.getDouble(i), g = got.getDouble(i);
            double x = ab.getDouble(i), y = bb.getDouble(i);   // logical (row-major) index of the broadcast views
            double tol = eps(dtype) * Math.abs(w) + subnormalSpacing(dtype) + geluGradError(dtype, x, y);
            boolean ok = Double.isNaN(w) ? Double.isNaN(g) : Math.abs(g - w) <= tol;
            if (!ok && failures++ < 5) bad.append("\n  [").append(i).append("] a=").append(x).append(" b=").append(y).append(" want ").append(w).append(" got ").append(g);
        }
        if (failures > 0) fail(what + ": " + failures + " of " + n + " elements differ:" + bad);
    }

    /** Φ(x) by composite Simpson integration of the standard normal density from 0 (|x| <= 8 here): an oracle apart from SpecialFunctions. */
    static double normalCdf(double x) {
        int n = 2000;
        double h = x / n, sum = 0;
        for (int i = 0; i <= n; i++) {
            double t = i * h, w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            sum += w * Math.exp(-0.5 * t * t);
        }
        return 0.5 + sum * h / 3 / Math.sqrt(2 * Math.PI);
    }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void binaryBroadcastsLikeNumPy(Backend backend, DType dtype) {
        for (BinaryOp op : BinaryOp.values()) {
            // a [3,1,5] and b [4,1] broadcast to [3,4,5]; POW keeps its base positive.
            double lo = op == BinaryOp.POW ? 0.5 : -2;
            try (Tensor a = random(dtype, 21, lo, 2, 3, 1, 5); Tensor b = random(dtype, 22, lo, 2, 4, 1);
                 Tensor out = backend.binary(op, a, b)) {
                assertEquals(List.of(3, 4, 5), List.of(out.dim(0), out.dim(1), out.dim(2)));
                // EQUAL needs equal pairs to be meaningful: a[i,0,k] is compared with b[j,0] for every j.
                for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) for (int k = 0; k < 5; k++) {
                    double want = javaOperator(op).applyAsDouble(a.get(i, 0, k), b.get(j, 0));
                    // One rounding of the result into the dtype; the Cpu backend rounds to float first.
                    double tol = eps(dtype) * Math.abs(want);
                    if (op == BinaryOp.GELU_ERF_GRAD) tol += geluGradError(dtype, a.get(i, 0, k), b.get(j, 0));
                    assertEquals(want, out.get(i, j, k), tol, backend.name() + " " + op + " " + dtype);
                }
            }
        }
        try (Tensor a = random(dtype, 23, -1, 1, 6); Tensor same = backend.binary(BinaryOp.EQUAL, a, a)) {
            for (int i = 0; i < 6; i++) assertEquals(1.0, same.getDouble(i));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void binaryRejectsBadInputsNamingOpAndShapes(Backend backend) {
        try (Tensor a = Tensor.zeros(DType.F32, 2, 3); Tensor b = Tensor.zeros(DType.F32, 4); Tensor c = Tensor.zeros(DType.F64, 3)) {
            var e = assertThrows(IllegalArgumentException.class, () -> backend.binary(BinaryOp.ADD, a, b));
            assertTrue(e.getMessage().contains("ADD") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.binary(BinaryOp.MUL, a, c));
            assertTrue(e.getMessage().contains("MUL") && e.getMessage().contains("F32[2, 3]") && e.getMessage().contains("F64[3]"), e.getMessage());
        }
        try (Tensor ints = Tensor.ofInts(new int[] {1, 2}, 2)) {
            assertThrows(IllegalArgumentException.class, () -> backend.unary(UnaryOp.EXP, ints));
        }
    }

    // ------------------------------------------------------------------ where

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void whereBroadcastsAllThree(Backend backend, DType dtype) {
        // A U8 condition is true wherever it is nonzero, not only where it is 1.
        for (DType condType : List.of(DType.BOOL, DType.U8)) {
            double[] flags = condType == DType.U8 ? new double[] {2, 0, 255} : new double[] {1, 0, 1};
            try (Tensor cond = Tensor.fromDoubles(condType, flags, 3, 1);
                 Tensor a = random(dtype, 31, -1, 1, 1, 4); Tensor b = random(dtype, 32, -1, 1, 2, 1, 1);
                 Tensor out = backend.where(cond, a, b)) {
                assertEquals(dtype, out.dtype());
                for (int n = 0; n < 2; n++) for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
                    double want = cond.get(i, 0) != 0 ? a.get(0, j) : b.get(n, 0, 0);
                    assertEquals(want, out.get(n, i, j));
                }
            }
        }
        try (Tensor cond = Tensor.zeros(DType.F32, 2); Tensor a = Tensor.zeros(dtype, 2)) {
            assertThrows(IllegalArgumentException.class, () -> backend.where(cond, a, a));
        }
    }

    // ------------------------------------------------------------------ cast

    static final List<DType> PLAIN = List.of(DType.F64, DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64, DType.U8, DType.BOOL);

    @ParameterizedTest
    @MethodSource("backends")
    void castFloatToIntegerTruncatesTowardZero(Backend backend) {
        double[] values = {-2.7, -0.5, -0.0, 0.5, 2.7, 100.9, 200.25};
        for (DType from : FLOATS) {
            try (Tensor x = Tensor.fromDoubles(from, values, values.length)) {
                for (DType to : List.of(DType.I32, DType.I64, DType.U8, DType.BOOL)) {
                    try (Tensor y = backend.cast(x, to)) {
                        for (int i = 0; i < values.length; i++) {
                            long truncated = (long) x.getDouble(i);
                            long want = to == DType.BOOL ? (x.getDouble(i) != 0 ? 1 : 0) : to == DType.U8 ? truncated & 0xFF : truncated;
                            assertEquals(want, y.getLong(i), backend.name() + " " + from + "->" + to + " of " + x.getDouble(i));
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void castToNarrowFloatsRoundsOnceToNearestEven(Backend backend) {
        // Float → F16 must agree bit for bit with the JDK's round-to-nearest-even conversion.
        try (Tensor x = random(DType.F32, 41, -70000, 70000, 999); Tensor y = backend.cast(x, DType.F16)) {
            for (int i = 0; i < 999; i++) {
                assertEquals(Float.floatToFloat16((float) x.getDouble(i)), (short) y.bitsAt(i), "F32->F16 of " + x.getDouble(i));
            }
        }
        // Just above a tie of the narrow format but below a tie of float: rounding through float
        // first would land exactly on the tie and round to even (down); rounding once goes up.
        double f16Case = 1 + 0x1p-11 + 0x1p-40, bf16Case = 1 + 0x1p-8 + 0x1p-40;
        try (Tensor x = Tensor.of(new double[] {f16Case, -f16Case}, 2); Tensor y = backend.cast(x, DType.F16)) {
            assertEquals(1 + 0x1p-10, y.getDouble(0));
            assertEquals(-(1 + 0x1p-10), y.getDouble(1));
        }
        try (Tensor x = Tensor.of(new double[] {bf16Case, 1 + 0x1p-8, 1 + 3 * 0x1p-8}, 3); Tensor y = backend.cast(x, DType.BF16)) {
            assertEquals(1 + 0x1p-7, y.getDouble(0));
            assertEquals(1.0, y.getDouble(1), "an exact tie goes to the even neighbour");
            assertEquals(1 + 0x1p-6, y.getDouble(2), "an exact tie goes to the even neighbour");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void castBetweenEveryPairKeepsRepresentableValues(Backend backend) {
        // Small non-negative integers are exact in every dtype (BOOL holds 0 and 1 only).
        double[] values = {0, 1, 2, 7, 100, 0, 255, 3};
        for (DType from : PLAIN) {
            for (DType to : PLAIN) {
                double[] source = values.clone();
                if (from == DType.BOOL || to == DType.BOOL) for (int i = 0; i < source.length; i++) source[i] = Math.min(source[i], 1);
                try (Tensor x = Tensor.fromDoubles(from, source, source.length); Tensor y = backend.cast(x, to)) {
                    assertEquals(to, y.dtype());
                    for (int i = 0; i < source.length; i++) assertEquals(source[i], y.getDouble(i), from + "->" + to);
                }
            }
        }
        // Integer to integer goes through long: no loss above 2^53, I32 and U8 keep the low bits.
        long big = (1L << 60) + 5;
        try (Tensor x = Tensor.ofLongs(new long[] {big, -1}, 2); Tensor asLong = backend.cast(x, DType.I64);
             Tensor asInt = backend.cast(x, DType.I32); Tensor asByte = backend.cast(x, DType.U8)) {
            assertEquals(big, asLong.getLong(0));
            assertEquals((int) big, asInt.getLong(0));
            assertEquals(-1, asInt.getLong(1));
            assertEquals(255, asByte.getLong(1));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void castRejectsMomentFormats(Backend backend) {
        try (Tensor x = Tensor.zeros(DType.F32, 2)) {
            var e = assertThrows(IllegalArgumentException.class, () -> backend.cast(x, DType.MEAN_1_6_9));
            assertTrue(e.getMessage().contains("cast") && e.getMessage().contains("F32[2]"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ Cpu against Reference

    /** A size past the Cpu threading grain, tested on a few ops only to keep the suite fast. */
    static final int THREADED = 70001;

    /** Inputs of odd sizes, optionally one past the threading grain, and the three non-contiguous layouts. */
    static List<Tensor> unaryInputs(DType dtype, double lo, double hi, long seed, boolean threaded) {
        List<Tensor> inputs = new ArrayList<>();
        for (int n : new int[] {1, 7, 33, 1023}) inputs.add(random(dtype, seed + n, lo, hi, n));
        // Transposed and large: ragged 16-row tiles, rows longer than one 256-column tile, two tasks.
        if (threaded) inputs.add(random(dtype, seed, lo, hi, THREADED));
        if (threaded) inputs.add(transposedView(dtype, seed + 1, lo, hi, 300, 270));
        for (var view : views(dtype, lo, hi, 37, 29)) inputs.add(view.apply(seed));
        inputs.add(random(dtype, seed, lo, hi, 3, 1, 5).expand(2, 3, 4, 5));
        return inputs;
    }

    @ParameterizedTest
    @MethodSource("dev.tessel.kernels.KernelTestSupport#floats")
    void cpuUnaryMatchesReference(DType dtype) {
        for (UnaryOp op : UnaryOp.values()) {
            double lo = positiveDomain(op) ? 0.01 : -8, hi = 8;
            boolean threaded = op == UnaryOp.RELU || op == UnaryOp.EXP || op == UnaryOp.GELU_TANH;
            for (Tensor x : unaryInputs(dtype, lo, hi, 131 + op.ordinal(), threaded)) {
                try (Tensor want = Backends.reference().unary(op, x); Tensor got = Backends.cpu().unary(op, x)) {
                    assertEquals(want.shape(), got.shape());
                    double computeEps = dtype == DType.F64 ? eps(DType.F64) : eps(DType.F32);
                    for (long i = 0; i < want.numel(); i++) {
                        double w = want.getDouble(i), xi = x.getDouble(i);
                        // Reference: exact then one rounding. Cpu: float compute (argument rounding
                        // magnified by the function, see magnification) then one rounding, so both
                        // may sit on either side of a rounding boundary: 2·eps(dtype).
                        double tol = 2 * eps(dtype) * Math.abs(w) + subnormalSpacing(dtype) + computeEps * magnification(op, xi) * Math.abs(w);
                        double g = got.getDouble(i);
                        if (!(Math.abs(g - w) <= tol) && !(Double.isNaN(w) && Double.isNaN(g))) {
                            fail(op + " " + dtype + " " + x.shape() + " at " + i + " x=" + xi + ": want " + w + " got " + g);
                        }
                    }
                }
                x.close();
            }
        }
    }

    /** Pairs of inputs: contiguous equal shapes, scalar broadcast, row/column broadcast, views. */
    static List<Tensor[]> binaryInputs(DType dtype, double lo, double hi, long seed, boolean threaded) {
        List<Tensor[]> pairs = new ArrayList<>();
        for (int n : new int[] {1, 9, 1031}) pairs.add(new Tensor[] {random(dtype, seed + n, lo, hi, n), random(dtype, seed - n, lo, hi, n)});
        pairs.add(new Tensor[] {random(dtype, seed, lo, hi, threaded ? THREADED : 1001), random(dtype, seed + 1, lo, hi, 1)});
        pairs.add(new Tensor[] {random(dtype, seed, lo, hi, 5, 1, 7), random(dtype, seed + 2, lo, hi, 1, 3, 1)});
        pairs.add(new Tensor[] {transposedView(dtype, seed, lo, hi, 37, 29), random(dtype, seed + 3, lo, hi, 29)});
        pairs.add(new Tensor[] {slicedView(dtype, seed, lo, hi, 37, 29), transposedView(dtype, seed + 4, lo, hi, 37, 29)});
        pairs.add(new Tensor[] {random(dtype, seed + 5, lo, hi, 37, 1), expandedView(dtype, seed + 6, lo, hi, 37, 29)});
        // Strided rows that are not adjacent in memory either (no column-wise staging possible).
        pairs.add(new Tensor[] {random(dtype, seed + 7, lo, hi, 4, 5, 6).permute(2, 1, 0), random(dtype, seed + 8, lo, hi, 6, 5, 4)});
        if (threaded) pairs.add(new Tensor[] {transposedView(dtype, seed + 9, lo, hi, 300, 270), random(dtype, seed + 10, lo, hi, 300, 270)});
        return pairs;
    }

    @ParameterizedTest
    @MethodSource("dev.tessel.kernels.KernelTestSupport#floats")
    void cpuBinaryMatchesReference(DType dtype) {
        for (BinaryOp op : BinaryOp.values()) {
            double lo = op == BinaryOp.POW ? 0.25 : -3, hi = 3;
            for (Tensor[] pair : binaryInputs(dtype, lo, hi, 141 + op.ordinal(), op == BinaryOp.ADD || op == BinaryOp.GREATER)) {
                try (Tensor want = Backends.reference().binary(op, pair[0], pair[1]); Tensor got = Backends.cpu().binary(op, pair[0], pair[1])) {
                    String what = op + " " + dtype + " " + pair[0].shape() + " with " + pair[1].shape();
                    // The float ops are correctly rounded in float, so only the final narrowing can
                    // differ (F16/BF16: rounding twice vs once); POW is Math.pow in both.
                    if (op == BinaryOp.GELU_ERF_GRAD) assertGeluGradClose(pair[0], pair[1], want, got, dtype, what);
                    else assertClose(want, got, subnormalSpacing(dtype), eps(dtype), what);
                }
                pair[0].close();
                pair[1].close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.tessel.kernels.KernelTestSupport#floats")
    void cpuWhereAndCastMatchReferenceBitForBit(DType dtype) {
        for (Tensor[] pair : binaryInputs(dtype, -300, 300, 151, true)) {
            try (Tensor coin = randomIds(DType.I32, 152, 2, pair[1].shape().toArray()); Tensor cond = Backends.reference().cast(coin, DType.BOOL);
                 Tensor want = Backends.reference().where(cond, pair[0], pair[1]); Tensor got = Backends.cpu().where(cond, pair[0], pair[1])) {
                assertBitsEqual(want, got, "where " + dtype + " " + pair[0].shape());
            }
            for (DType target : PLAIN) {
                try (Tensor want = Backends.reference().cast(pair[0], target); Tensor got = Backends.cpu().cast(pair[0], target)) {
                    assertBitsEqual(want, got, "cast " + dtype + " -> " + target + " " + pair[0].shape());
                }
            }
            pair[0].close();
            pair[1].close();
        }
        try (Tensor ints = randomIds(DType.I64, 153, 1000, 37, 29); Tensor view = ints.transpose(0, 1)) {
            for (DType target : PLAIN) {
                try (Tensor want = Backends.reference().cast(view, target); Tensor got = Backends.cpu().cast(view, target)) {
                    assertBitsEqual(want, got, "cast I64 view -> " + target);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.tessel.kernels.KernelTestSupport#floats")
    void cpuPropagatesNaNLikeReference(DType dtype) {
        // 19 elements: NaN both in the vector body and in the scalar tail.
        double[] values = new double[19];
        for (int i = 0; i < values.length; i++) values[i] = i % 6 == 0 ? Double.NaN : i - 9.5;
        try (Tensor a = Tensor.fromDoubles(dtype, values, 19); Tensor b = random(dtype, 161, -9, 9, 19)) {
            for (BinaryOp op : BinaryOp.values()) {
                try (Tensor want = Backends.reference().binary(op, a, b); Tensor got = Backends.cpu().binary(op, a, b)) {
                    if (op == BinaryOp.GELU_ERF_GRAD) assertGeluGradClose(a, b, want, got, dtype, "NaN " + op + " " + dtype);
                    else assertClose(want, got, 0, eps(dtype), "NaN " + op + " " + dtype);
                }
            }
            for (UnaryOp op : List.of(UnaryOp.RELU, UnaryOp.ABS, UnaryOp.SIGN, UnaryOp.EXP, UnaryOp.GELU_TANH, UnaryOp.GELU_ERF)) {
                try (Tensor want = Backends.reference().unary(op, a); Tensor got = Backends.cpu().unary(op, a)) {
                    assertEquals(Double.isNaN(want.getDouble(0)), Double.isNaN(got.getDouble(0)), "NaN " + op + " " + dtype);
                    assertEquals(Double.isNaN(want.getDouble(18)), Double.isNaN(got.getDouble(18)), "NaN " + op + " " + dtype);
                }
            }
            try (Tensor want = Backends.reference().reduce(ReduceOp.MAX, a, 0, false); Tensor got = Backends.cpu().reduce(ReduceOp.MAX, a, 0, false)) {
                assertTrue(Double.isNaN(want.getDouble(0)) && Double.isNaN(got.getDouble(0)), "MAX propagates NaN");
            }
        }
    }

    // ------------------------------------------------------------------ golden GELU

    static Stream<Arguments> geluCases() {
        List<Arguments> cases = new ArrayList<>();
        for (String file : List.of("gelu-01-erf.safetensors", "gelu-02-sigmoid.safetensors", "gelu-03-tanh.safetensors")) {
            backends().forEach(b -> cases.add(Arguments.of(b, file)));
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("geluCases")
    void geluMatchesGoldenCases(Backend backend, String file) {
        assumeTrue(GoldenCase.available(file), "golden folder not present");
        GoldenCase golden = GoldenCase.read(file);
        UnaryOp op = switch (golden.attrString("variant")) {
            case "erf" -> UnaryOp.GELU_ERF;
            case "sigmoid_1.702" -> UnaryOp.GELU_SIGMOID;
            case "tanh" -> UnaryOp.GELU_TANH;
            default -> throw new AssertionError("unknown gelu variant in " + file + ": " + golden.attrs());
        };
        try (Tensor y = backend.unary(op, golden.tensor("in.x"))) {
            assertClose(golden.tensor("out.y"), y, 1e-6, 1e-5, file + " on " + backend.name()); // FORMAT.md section 2
        }
    }
}
