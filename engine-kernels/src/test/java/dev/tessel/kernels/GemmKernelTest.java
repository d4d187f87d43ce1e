package dev.tessel.kernels;

import dev.tessel.kernels.cpu.CpuGemm;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Cpu matmul and CpuGemm.sgemm against the Reference oracle, for every accepted dtype, both
 * transposes, batched and broadcast batch axes, non-contiguous views and shapes that cross the
 * 6x16 micro-tile, the MC/KC/NC blocks and the small-product cut-off.
 *
 * <p>Tolerance: a float dot product of length K has |error| <= gamma_K * sum_p |a_ip b_pj| with
 * gamma_K ~ K*u (Higham, Accuracy and Stability, 3.1), u = 2^-24; the Reference result is the
 * double sum rounded once (one more u), so we allow (K + 2) * u * sum|a||b| per element, the sum
 * of magnitudes computed by the Reference backend on |a| and |b| through the same views. F16/BF16
 * inputs convert to float exactly, so the same bound holds; F64 uses u = 2^-53.
 */
class GemmKernelTest {
    private static final Backend CPU = Backends.cpu();
    private static final Backend REF = Backends.reference();

    /** A test operand: random values in [-1, 1] and the same view applied to their magnitudes. */
    private record Operand(Tensor values, Tensor magnitudes) {}

    private static Operand random(DType dtype, long seed, UnaryOperator<Tensor> view, int... dims) {
        Random rng = new Random(seed);
        int n = (int) Arrays.stream(dims).asLongStream().reduce(1, (x, y) -> x * y);
        double[] data = new double[n];
        for (int i = 0; i < n; i++) data[i] = rng.nextDouble() * 2 - 1;
        Tensor values = Tensor.fromDoubles(dtype, data, dims);
        double[] magnitudes = new double[n];
        for (int i = 0; i < n; i++) magnitudes[i] = Math.abs(values.getDouble(i));
        return new Operand(view.apply(values), view.apply(Tensor.fromDoubles(dtype, magnitudes, dims)));
    }

    private static Operand random(DType dtype, long seed, int... dims) { return random(dtype, seed, UnaryOperator.identity(), dims); }

    private static void assertMatmulMatches(Operand a, Operand b, boolean transposeA, boolean transposeB, String label) {
        Tensor got = CPU.matmul(a.values(), b.values(), transposeA, transposeB);
        Tensor want = REF.matmul(a.values(), b.values(), transposeA, transposeB);
        Tensor bound = REF.matmul(a.magnitudes(), b.magnitudes(), transposeA, transposeB);
        int k = transposeA ? a.values().dim(-2) : a.values().dim(-1);
        assertEquals(want.shape(), got.shape(), label + ": shape");
        assertEquals(want.dtype(), got.dtype(), label + ": dtype");
        double u = a.values().dtype() == DType.F64 ? 0x1p-53 : 0x1p-24;
        assertClose(want, got, bound, (k + 2) * u, label);
    }

    private static void assertClose(Tensor want, Tensor got, Tensor bound, double relative, String label) {
        long n = want.numel();
        for (long i = 0; i < n; i++) {
            double w = want.getDouble(i), g = got.getDouble(i), tol = relative * bound.getDouble(i) + Double.MIN_NORMAL;
            if (!(Math.abs(g - w) <= tol)) {
                fail(label + ": element " + i + " got " + g + " want " + w + " (|diff| " + Math.abs(g - w) + " > tol " + tol + ")");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "F16", "BF16"})
    void everyTransposeAndOddShape(DType dtype) {
        // {M, K, N}: trivial, odd, small enough for SmallGemm (4x16 blocks with row and column tails,
        // a transposed B staged column by column), just above its cut-off (the packed path: M across
        // MC=144 and K across KC=256, N across NC=4080, partial 6-row and 16-column edge tiles), and
        // one-row / one-column products (the unpacked vector path) with odd lengths.
        int[][] shapes = {{1, 1, 1}, {7, 33, 5}, {33, 17, 65}, {6, 16, 400}, {150, 300, 21}, {5, 9, 4100}, {13, 260, 47},
                {150, 300, 40}, {41, 270, 131}, {1, 333, 1029}, {1029, 333, 1}};
        long seed = 1;
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    Operand a = ta ? random(dtype, seed++, k, m) : random(dtype, seed++, m, k);
                    Operand b = tb ? random(dtype, seed++, n, k) : random(dtype, seed++, k, n);
                    assertMatmulMatches(a, b, ta, tb, dtype + " " + Arrays.toString(s) + " tA=" + ta + " tB=" + tb);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "F16", "BF16"})
    void batchedWithBroadcastBatchAxes(DType dtype) {
        // a (2, 3, M, K) against b (3, K, N): b's batch repeats over a's leading axis.
        assertMatmulMatches(random(dtype, 11, 2, 3, 19, 37), random(dtype, 12, 3, 37, 23), false, false, dtype + " [2,3] x [3]");
        // a (4, 1, M, K) against b (5, N, K)^T: both sides broadcast, output batch (4, 5).
        assertMatmulMatches(random(dtype, 13, 4, 1, 9, 70), random(dtype, 14, 5, 41, 70), false, true, dtype + " [4,1] x [5]");
        // Eight items big enough to pack, small enough to be spread one per thread.
        assertMatmulMatches(random(dtype, 15, 8, 20, 70), random(dtype, 16, 8, 70, 30), false, false, dtype + " [8] items");
        // An expanded (stride-0) batch axis on a and a plain 2-D b broadcast against it.
        assertMatmulMatches(random(dtype, 17, t -> t.expand(3, 21, 50), 1, 21, 50), random(dtype, 18, 50, 35), false, false,
                dtype + " expanded batch");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "F16", "BF16"})
    void nonContiguousViews(DType dtype) {
        // a: rows 3..3+M and columns 2..2+K of a wider matrix, with a permuted batch; b: every view transposed.
        UnaryOperator<Tensor> sliceA = t -> t.permute(1, 0, 2).slice(1, 3, 3 + 40).slice(2, 2, 2 + 60);
        Operand a = random(dtype, 21, sliceA, 50, 2, 70);
        Operand b = random(dtype, 22, t -> t.transpose(1, 2).slice(1, 1, 61), 2, 29, 62);
        assertMatmulMatches(a, b, false, false, dtype + " sliced");
        // transposeA of a transposed view: packing reads the original row-major layout.
        Operand at = random(dtype, 23, t -> t.transpose(0, 1), 45, 66);
        Operand bt = random(dtype, 24, t -> t.slice(1, 5, 5 + 66), 33, 80);
        assertMatmulMatches(at, bt, true, true, dtype + " transposed views");
        // a: one row expanded to [M, K] (row stride 0); b: one column of a wider matrix as [K, 1].
        Operand rows = random(dtype, 25, t -> t.expand(64, 512), 1, 512);
        Operand col = random(dtype, 26, t -> t.slice(1, 4, 5), 512, 9);
        assertMatmulMatches(rows, col, false, false, dtype + " expanded operand");
    }

    @Test
    void sgemmEntryPointAccumulatesThroughStrides() {
        int m = 37, n = 45, k = 300;
        Operand a = random(DType.F32, 31, t -> t.transpose(0, 1), k, m); // (m, k) read column-major
        Operand b = random(DType.F32, 32, k, n);
        // C lives inside a wider buffer: row stride 50, first element at offset 3.
        Tensor c0 = random(DType.F32, 33, m, 50).values();
        Tensor c = c0.copy();
        Tensor cView = c.slice(1, 3, 3 + n);
        CpuGemm.sgemm(m, n, k, a.values().segment(), a.values().offset(), a.values().stride(0), a.values().stride(1),
                b.values().segment(), b.values().offset(), b.values().stride(0), b.values().stride(1),
                c.segment(), cView.offset(), 50, true);
        Tensor product = REF.matmul(a.values(), b.values(), false, false);
        Tensor bound = REF.matmul(a.magnitudes(), b.magnitudes(), false, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 50; j++) {
                double before = c0.get(i, j), after = c.get(i, j);
                if (j < 3 || j >= 3 + n) {
                    assertEquals(before, after, 0.0, "sgemm wrote outside C at " + i + "," + j);
                } else {
                    double want = before + product.get(i, j - 3);
                    double tol = (k + 3) * 0x1p-24 * (bound.get(i, j - 3) + Math.abs(before));
                    assertEquals(want, after, tol, "sgemm accumulate at " + i + "," + j);
                }
            }
        }
        // Without accumulate the old C is overwritten, not added to.
        CpuGemm.sgemm(m, n, k, a.values().segment(), a.values().offset(), a.values().stride(0), a.values().stride(1),
                b.values().segment(), b.values().offset(), b.values().stride(0), b.values().stride(1),
                c.segment(), cView.offset(), 50, false);
        Tensor fresh = cView.contiguous();
        assertClose(product, fresh, bound, (k + 2) * 0x1p-24, "sgemm overwrite");
    }

    @Test
    void sgemmWorksOnHeapSegments() {
        // Callers may hand in float[]-backed segments (e.g. an im2col scratch array) instead of tensor storage.
        int m = 40, n = 50, k = 30;
        Operand a = random(DType.F32, 51, m, k), b = random(DType.F32, 52, k, n);
        float[] c = new float[m * n];
        CpuGemm.sgemm(m, n, k, MemorySegment.ofArray(a.values().toFloatArray()), 0, k, 1,
                MemorySegment.ofArray(b.values().toFloatArray()), 0, n, 1, MemorySegment.ofArray(c), 0, n, false);
        assertClose(REF.matmul(a.values(), b.values(), false, false), Tensor.of(c, m, n),
                REF.matmul(a.magnitudes(), b.magnitudes(), false, false), (k + 2) * 0x1p-24, "sgemm on heap segments");
    }

    @Test
    void smallProductAddsTheSameBitsIntoHeapAndNativeC() {
        // SmallGemm (m·n·k well under its cut-off) stages C as well as A and B; C arrives as a
        // float[] segment from some callers and off-heap from others, rows strided past n.
        int m = 13, n = 37, k = 21, rowStride = n + 5;
        Operand a = random(DType.F32, 61, m, k), b = random(DType.F32, 62, k, n);
        float[] start = new float[m * rowStride];
        for (int i = 0; i < start.length; i++) start[i] = (i % 11) - 5;
        float[] heap = start.clone();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment native_ = arena.allocate(start.length * 4L, 64);
            MemorySegment.copy(start, 0, native_, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, start.length);
            MemorySegment as = MemorySegment.ofArray(a.values().toFloatArray()), bs = MemorySegment.ofArray(b.values().toFloatArray());
            CpuGemm.sgemm(m, n, k, as, 0, k, 1, bs, 0, n, 1, MemorySegment.ofArray(heap), 0, rowStride, true);
            CpuGemm.sgemm(m, n, k, as, 0, k, 1, bs, 0, n, 1, native_, 0, rowStride, true);
            float[] fromNative = native_.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            assertArrayEquals(heap, fromNative, "heap and native C must get the same bits");
        }
        Tensor product = REF.matmul(a.values(), b.values(), false, false), bound = REF.matmul(a.magnitudes(), b.magnitudes(), false, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < rowStride; j++) {
                float before = start[i * rowStride + j], after = heap[i * rowStride + j];
                if (j >= n) {
                    assertEquals(before, after, 0.0, "sgemm wrote past row " + i + "'s n columns at " + j);
                } else {
                    double tol = (k + 3) * 0x1p-24 * (bound.get(i, j) + Math.abs(before));
                    assertEquals(before + product.get(i, j), after, tol, "small sgemm accumulate at " + i + "," + j);
                }
            }
        }
    }

    @Test
    void sgemmRejectsOperandsOutsideTheirSegments() {
        Tensor small = Tensor.zeros(DType.F32, 4, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> CpuGemm.sgemm(4, 4, 5, small.segment(), 0, 4, 1,
                small.segment(), 0, 4, 1, small.segment(), 0, 4, false));
        assertTrue(e.getMessage().startsWith("sgemm: A (4 x 5"), e.getMessage());
    }

    @Test
    void badShapesNameTheOpAndBothShapes() {
        for (Backend backend : new Backend[] {CPU, REF}) {
            Tensor a = Tensor.zeros(DType.F32, 2, 3, 4);
            assertBadShapes(backend, a, Tensor.zeros(DType.F32, 5, 6), false, false, "[2, 3, 4]", "[5, 6]");
            assertBadShapes(backend, a, Tensor.zeros(DType.F32, 3, 4, 6), false, false, "[2, 3, 4]", "[3, 4, 6]");
            assertBadShapes(backend, a, Tensor.zeros(DType.F32, 4), false, false, "[2, 3, 4]", "[4]");
            assertBadShapes(backend, a, Tensor.zeros(DType.F16, 4, 6), false, false, "[2, 3, 4]", "[4, 6]");
            assertBadShapes(backend, Tensor.zeros(DType.I32, 3, 4), Tensor.zeros(DType.I32, 4, 6), false, false, "[3, 4]", "[4, 6]");
            assertBadShapes(backend, a, Tensor.zeros(DType.F32, 4, 6), true, false, "[2, 3, 4]", "[4, 6]");
        }
    }

    private static void assertBadShapes(Backend backend, Tensor a, Tensor b, boolean ta, boolean tb, String shapeA, String shapeB) {
        var e = assertThrows(IllegalArgumentException.class, () -> backend.matmul(a, b, ta, tb), backend.name());
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains(shapeA) && e.getMessage().contains(shapeB),
                backend.name() + ": message '" + e.getMessage() + "' should name matmul, " + shapeA + " and " + shapeB);
    }

    @Test
    void resultIsF64ForF64InputsElseF32() {
        for (DType d : new DType[] {DType.F64, DType.F32, DType.F16, DType.BF16}) {
            Tensor out = CPU.matmul(random(d, 41, 2, 3).values(), random(d, 42, 3, 2).values(), false, false);
            assertEquals(d == DType.F64 ? DType.F64 : DType.F32, out.dtype(), d + " result dtype");
        }
    }
}
