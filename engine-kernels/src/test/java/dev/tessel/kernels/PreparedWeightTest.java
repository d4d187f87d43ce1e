package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Backend.prepareWeight / matmulPrepared against the plain matmul(rows, weight, false, true).
 * The Cpu backend packs the weight once in the layout its SGEMM packs on every call, one-row
 * products read the weight in place, and the small products that matmul stages (SmallGemm) run
 * the packed path, which sums each element in the same FMA order; so the two must agree bit for
 * bit: any difference would be a packing or blocking bug, not rounding. (matmul itself is checked
 * against the Reference oracle in GemmKernelTest.) Shapes cover one row, fewer rows than one 6-row
 * strip, batch-16 decoding (16 x 256 x 256 is SmallGemm's largest), tiny products,
 * prefill-sized blocks past MC = 144, K past KC = 256 and N past NC = 4080; with and without
 * the bias the Cpu backend adds to the product in place.
 */
class PreparedWeightTest {
    private static final Backend CPU = Backends.cpu();

    private static Tensor random(DType dtype, long seed, int... dims) {
        Random rng = new Random(seed);
        double[] data = new double[dims[0] * dims[1]];
        for (int i = 0; i < data.length; i++) data[i] = rng.nextDouble() * 2 - 1;
        return Tensor.fromDoubles(dtype, data, dims);
    }

    private static void assertSameAsMatmul(Backend backend, Tensor rows, Tensor weight, String label) {
        assertSameAsMatmul(backend, rows, weight, null, label);
    }

    /** matmulPrepared against matmul, then (with a bias) binary ADD. */
    private static void assertSameAsMatmul(Backend backend, Tensor rows, Tensor weight, Tensor bias, String label) {
        Tensor want = backend.matmul(rows, weight, false, true);
        if (bias != null) want = backend.binary(BinaryOp.ADD, want, bias);
        Tensor got = backend.matmulPrepared(rows, backend.prepareWeight(weight), bias);
        assertEquals(want.shape(), got.shape(), label + ": shape");
        assertEquals(want.dtype(), got.dtype(), label + ": dtype");
        for (long i = 0; i < want.numel(); i++) {
            double w = want.getDouble(i), g = got.getDouble(i);
            if (Double.doubleToLongBits(w) != Double.doubleToLongBits(g)) {
                throw new AssertionError(label + ": element " + i + " is " + g + ", matmul gives " + w);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void packedOnceEqualsPackingEveryCall(DType dtype) {
        int[][] weights = {{768, 256}, {256, 1024}, {4100, 37}, {512, 300}, {256, 256}, {40, 24}};
        int[] rowCounts = {1, 2, 5, 16, 33, 150};
        for (int[] w : weights) {
            Tensor weight = random(dtype, w[0] * 31L + w[1], w[0], w[1]);
            Tensor bias = random(DType.F32, w[0], 1, w[0]).reshape(w[0]);
            for (int m : rowCounts) {
                Tensor rows = random(dtype, m * 7L + w[1], m, w[1]);
                assertSameAsMatmul(CPU, rows, weight, dtype + " rows " + m + " x weight " + w[0] + "x" + w[1]);
                assertSameAsMatmul(CPU, rows, weight, bias, dtype + " rows " + m + " x weight " + w[0] + "x" + w[1] + " + bias");
            }
        }
    }

    @Test
    void stridedViewsArePackedThroughTheirStrides() {
        Tensor weight = random(DType.F32, 3, 300, 200).transpose(0, 1);     // [200, 300], column-major
        Tensor rows = random(DType.F32, 4, 300, 40).transpose(0, 1);         // [40, 300]
        assertSameAsMatmul(CPU, rows, weight, "transposed views");
        assertSameAsMatmul(CPU, rows.slice(0, 3, 19), weight.slice(0, 10, 190), "sliced views");
    }

    @Test
    void backendsWithoutAPreparedFormRunThePlainMatmul() {
        Backend reference = Backends.reference();
        assertSameAsMatmul(reference, random(DType.F64, 5, 3, 20), random(DType.F64, 6, 10, 20), "reference backend");
        assertSameAsMatmul(reference, random(DType.F64, 5, 3, 20), random(DType.F64, 6, 10, 20), random(DType.F64, 7, 1, 10).reshape(10),
                "reference backend + bias");
        assertSameAsMatmul(CPU, random(DType.F64, 5, 3, 20), random(DType.F64, 6, 10, 20), "F64 on the Cpu backend");
    }
}
