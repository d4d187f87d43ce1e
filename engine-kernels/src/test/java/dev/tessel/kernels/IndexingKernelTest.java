package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.tessel.kernels.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Embedding gather and scatter-add, one-hot and softmax cross-entropy on every backend and float
 * dtype: against loops written out here, against the Reference backend on larger and
 * non-contiguous inputs, and against the golden softmax_cross_entropy case.
 *
 * <p>Invariant: a gather is exact (bit-for-bit); anything that sums gets the accumulation error of
 * its compute type plus one rounding, as stated next to each tolerance.
 */
class IndexingKernelTest {
    static Stream<Backend> backends() { return Stream.of(Backends.reference(), Backends.cpu()); }

    static Stream<Arguments> backendsAndFloats() {
        return backends().flatMap(b -> FLOATS.stream().map(d -> Arguments.of(b, d)));
    }

    static double computeEps(DType d) { return d == DType.F64 ? eps(DType.F64) : eps(DType.F32); }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void embeddingGathersRowsForIdsOfAnyShape(Backend backend, DType dtype) {
        int v = 11, d = 5;
        try (Tensor table = random(dtype, 91, -1, 1, v, d)) {
            for (DType idType : List.of(DType.I32, DType.I64)) {
                for (int[] idDims : new int[][] {{7}, {2, 3}, {}}) {
                    try (Tensor ids = randomIds(idType, 92, v, idDims); Tensor out = backend.embedding(table, ids)) {
                        assertEquals(ids.rank() + 1, out.rank());
                        for (int j = 0; j < ids.numel(); j++) {
                            for (int k = 0; k < d; k++) {
                                assertEquals(table.get((int) ids.getLong(j), k), out.getDouble((long) j * d + k), 0.0,
                                        backend.name() + " embedding " + dtype + " ids " + idType);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void embeddingRejectsOutOfRangeIdsNamingIdAndTableSize(Backend backend) {
        try (Tensor table = Tensor.zeros(DType.F32, 9, 4)) {
            for (long bad : new long[] {12, -1, 9}) {
                try (Tensor ids = Tensor.ofLongs(new long[] {0, bad, 3}, 3)) {
                    var e = assertThrows(IllegalArgumentException.class, () -> backend.embedding(table, ids));
                    assertTrue(e.getMessage().contains("embedding") && e.getMessage().contains("id " + bad)
                            && e.getMessage().contains("size 9"), e.getMessage());
                }
            }
            try (Tensor floatIds = Tensor.zeros(DType.F32, 2)) {
                assertThrows(IllegalArgumentException.class, () -> backend.embedding(table, floatIds));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void embeddingBackwardAccumulatesDuplicates(Backend backend, DType dtype) {
        int rows = 6, d = 4;
        // 3x4 ids over 6 rows: duplicates guaranteed (pigeonhole), some rows never hit.
        try (Tensor ids = randomIds(DType.I64, 101, rows - 1, 3, 4); Tensor grad = random(dtype, 102, -1, 1, 3, 4, d);
             Tensor out = backend.embeddingBackward(ids, grad, rows)) {
            assertEquals(dtype, out.dtype());
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < d; k++) {
                    double want = 0, abs = 0;
                    for (int j = 0; j < ids.numel(); j++) {
                        if (ids.getLong(j) == r) {
                            want += grad.getDouble((long) j * d + k);
                            abs += Math.abs(grad.getDouble((long) j * d + k));
                        }
                    }
                    // Up to 12 terms summed in the compute type, then one rounding into the dtype.
                    double tol = eps(dtype) * Math.abs(want) + 12 * computeEps(dtype) * abs;
                    assertEquals(want, out.get(r, k), tol, backend.name() + " embeddingBackward " + dtype);
                }
            }
            assertEquals(0.0, out.get(rows - 1, 0), "row never named stays zero");
        }
        try (Tensor ids = Tensor.ofInts(new int[] {0, 6}, 2); Tensor grad = Tensor.zeros(dtype, 2, 3)) {
            var e = assertThrows(IllegalArgumentException.class, () -> backend.embeddingBackward(ids, grad, 6));
            assertTrue(e.getMessage().contains("id 6") && e.getMessage().contains("size 6"), e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void oneHotInEveryDtype(Backend backend) {
        int classes = 7;
        for (DType dtype : List.of(DType.F64, DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64, DType.U8, DType.BOOL)) {
            try (Tensor ids = randomIds(DType.I32, 111, classes, 2, 5); Tensor out = backend.oneHot(ids, classes, dtype)) {
                assertEquals(dtype, out.dtype());
                assertEquals(List.of(2, 5, classes), List.of(out.dim(0), out.dim(1), out.dim(2)));
                for (int j = 0; j < ids.numel(); j++) {
                    for (int c = 0; c < classes; c++) {
                        assertEquals(ids.getLong(j) == c ? 1.0 : 0.0, out.getDouble((long) j * classes + c), backend.name() + " oneHot " + dtype);
                    }
                }
            }
        }
        try (Tensor ids = Tensor.ofInts(new int[] {7}, 1)) {
            assertThrows(IllegalArgumentException.class, () -> backend.oneHot(ids, classes, DType.F32));
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndFloats")
    void crossEntropyMatchesTheDefinition(Backend backend, DType dtype) {
        int n = 9, c = 13;
        try (Tensor logits = random(dtype, 121, -5, 5, n, c); Tensor targets = randomIds(DType.I64, 122, c, n);
             Tensor loss = backend.softmaxCrossEntropy(logits, targets)) {
            assertEquals(List.of(1), List.of(loss.dim(0)));
            double want = 0;
            for (int r = 0; r < n; r++) {
                double sum = 0;
                for (int k = 0; k < c; k++) sum += Math.exp(logits.get(r, k));
                want += (Math.log(sum) - logits.get(r, (int) targets.getLong(r))) / n;
            }
            // Per-row logsumexp of c terms (values up to ~10) in the compute type, mean of n rows,
            // one rounding into the dtype.
            double tol = 2 * eps(dtype) * Math.abs(want) + (c + n) * computeEps(dtype) * 10;
            assertEquals(want, loss.getDouble(0), tol, backend.name() + " crossEntropy " + dtype);
        }
        try (Tensor logits = Tensor.zeros(dtype, 2, 3); Tensor targets = Tensor.ofLongs(new long[] {0, 3}, 2);
             Tensor shortTargets = Tensor.ofLongs(new long[] {0}, 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> backend.softmaxCrossEntropy(logits, targets));
            assertTrue(e.getMessage().contains("id 3") && e.getMessage().contains("size 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.softmaxCrossEntropy(logits, shortTargets));
            assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("I64[1]"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ Cpu against Reference

    @ParameterizedTest
    @MethodSource("dev.tessel.kernels.KernelTestSupport#floats")
    void cpuIndexingMatchesReferenceOnLargerAndStridedInputs(DType dtype) {
        Backend ref = Backends.reference(), cpu = Backends.cpu();
        int v = 301, d = 33;
        try (Tensor table = random(dtype, 191, -2, 2, v, d); Tensor ids = randomIds(DType.I32, 192, v, 40, 25)) {
            // A dense table, a transposed one (columns strided) and a sliced one (offset, row gaps).
            for (Tensor t : List.of(table, random(dtype, 193, -2, 2, d, v).transpose(0, 1), random(dtype, 194, -2, 2, v + 3, d + 4).slice(0, 2, v + 2).slice(1, 1, d + 1))) {
                for (Tensor idView : List.of(ids, ids.transpose(0, 1))) {
                    try (Tensor want = ref.embedding(t, idView); Tensor got = cpu.embedding(t, idView)) {
                        assertBitsEqual(want, got, "embedding " + dtype + " table " + t.shape());
                    }
                }
            }
            // 1000 ids into 301 rows: every row is hit ~3 times on average.
            try (Tensor grad = random(dtype, 195, -1, 1, 40, 25, d)) {
                for (Tensor g : List.of(grad, grad.transpose(0, 1).contiguous().transpose(0, 1))) {
                    try (Tensor want = ref.embeddingBackward(ids, g, v); Tensor got = cpu.embeddingBackward(ids, g, v)) {
                        // Sums of ~3 (at most ~15) terms of |g| ≤ 1 in the compute type, one rounding.
                        assertClose(want, got, 16 * 16 * computeEps(dtype), 2 * eps(dtype), "embeddingBackward " + dtype);
                    }
                }
            }
        }
        for (int c : new int[] {1, 7, 257, 1000}) {
            try (Tensor logits = random(dtype, 196 + c, -6, 6, 23, c); Tensor targets = randomIds(DType.I64, 197, c, 23)) {
                for (Tensor l : List.of(logits, random(dtype, 198, -6, 6, c, 23).transpose(0, 1))) {
                    try (Tensor want = ref.softmaxCrossEntropy(l, targets); Tensor got = cpu.softmaxCrossEntropy(l, targets)) {
                        // logsumexp of c terms of size ≤ 6 + ln c in the compute type, one rounding.
                        assertClose(want, got, 4 * c * computeEps(dtype) * (6 + Math.log(c)), 2 * eps(dtype), "crossEntropy " + dtype + " C=" + c);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void crossEntropyMatchesGoldenCase(Backend backend) {
        String file = "softmax_cross_entropy-01.safetensors";
        assumeTrue(GoldenCase.available(file), "golden folder not present");
        GoldenCase golden = GoldenCase.read(file);
        try (Tensor loss = backend.softmaxCrossEntropy(golden.tensor("in.logits"), golden.tensor("in.targets"))) {
            assertClose(golden.tensor("out.loss"), loss, 1e-6, 1e-5, file + " on " + backend.name()); // FORMAT.md section 2
        }
    }
}
