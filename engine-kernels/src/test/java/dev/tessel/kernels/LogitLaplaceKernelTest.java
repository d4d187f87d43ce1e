package dev.tessel.kernels;

import static dev.tessel.kernels.DalleOpsTestTensors.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * dVAE pixel kernels: map/unmap pixels and the logit-Laplace NLL (elementwise, summed, backward)
 * on Cpu against the Reference oracle for every float dtype and permuted inputs; the Reference
 * backward against central differences in float64; map then unmap is the identity; bad input.
 */
class LogitLaplaceKernelTest {
    private static final Backend REF = Backends.reference(), CPU = Backends.cpu();
    private static final int[] SHAPE = {2, 3, 5, 7};
    private static final double EPS = 0.1;

    @Test
    void cpuMatchesReference() {
        Random rnd = new Random(31);
        for (DType dtype : FLOAT_DTYPES) {
            for (boolean strided : new boolean[] {false, true}) {
                String what = dtype + (strided ? " strided" : "");
                Tensor pixels = uniform(rnd, dtype, 0, 1, strided, SHAPE);
                Tensor y = uniform(rnd, dtype, -0.05, 1.05, strided, SHAPE);
                Tensor x = REF.mapPixels(pixels, EPS);
                Tensor mu = uniform(rnd, dtype, -2, 2, strided, SHAPE);
                Tensor lnB = uniform(rnd, dtype, -1, 1, strided, SHAPE);
                Tensor g = uniform(rnd, dtype, -1, 1, strided, SHAPE);
                assertClose(x, CPU.mapPixels(pixels, EPS), dtype, "mapPixels " + what);
                assertClose(REF.unmapPixels(y, EPS), CPU.unmapPixels(y, EPS), dtype, "unmapPixels " + what);
                assertClose(REF.logitLaplaceNll(x, mu, lnB), CPU.logitLaplaceNll(x, mu, lnB), dtype, "nll " + what);
                // the sum of 210 float terms (each rounded once) against the double sum: rtol covers sqrt(n) roundings
                double[] tol = tolerance(dtype);
                assertClose(REF.logitLaplaceNllSum(x, mu, lnB), CPU.logitLaplaceNllSum(x, mu, lnB), tol[0], 4 * tol[1], "nllSum " + what);
                Tensor[] ref = REF.logitLaplaceNllBackward(x, mu, lnB, g), cpu = CPU.logitLaplaceNllBackward(x, mu, lnB, g);
                assertClose(ref[0], cpu[0], dtype, "dmu " + what);
                assertClose(ref[1], cpu[1], dtype, "dlnB " + what);
                Tensor one = Tensor.full(dtype, 1.0, 1);
                Tensor[] refSum = REF.logitLaplaceNllBackward(x, mu, lnB, one), cpuSum = CPU.logitLaplaceNllBackward(x, mu, lnB, one);
                assertClose(refSum[0], cpuSum[0], dtype, "dmu of the sum " + what);
                assertClose(refSum[1], cpuSum[1], dtype, "dlnB of the sum " + what);
            }
        }
    }

    @Test
    void unmapUndoesMapAndClamps() {
        Random rnd = new Random(32);
        Tensor pixels = uniform(rnd, DType.F64, 0, 1, false, SHAPE);
        for (Backend b : new Backend[] {REF, CPU}) {
            assertClose(pixels, b.unmapPixels(b.mapPixels(pixels, EPS), EPS), 1e-12, 0, b.name() + " unmap(map(x))");
            Tensor outside = Tensor.of(new double[] {-0.5, 0.05, 0.95, 1.5}, 4);
            assertArrayEquals(new double[] {0, 0, 1, 1}, b.unmapPixels(outside, EPS).toDoubleArray(), 1e-15, b.name());
        }
    }

    @Test
    void referenceBackwardMatchesCentralDifferences() {
        Random rnd = new Random(33);
        int[] shape = {3, 4};
        Tensor x = REF.mapPixels(uniform(rnd, DType.F64, 0, 1, false, shape), EPS);
        Tensor mu = uniform(rnd, DType.F64, -2, 2, false, shape);
        Tensor lnB = uniform(rnd, DType.F64, -1, 1, false, shape);
        Tensor w = uniform(rnd, DType.F64, -1, 1, false, shape);
        Tensor[] grads = REF.logitLaplaceNllBackward(x, mu, lnB, w);
        Tensor[] inputs = {mu, lnB};
        for (int t = 0; t < 2; t++) {
            for (long f = 0; f < x.numel(); f++) {
                double numeric = centralDifference(inputs[t], f, 1e-6, () -> dot(REF.logitLaplaceNll(x, mu, lnB), w));
                assertEquals(numeric, grads[t].getDouble(f), 1e-7, "gradient " + t + " at " + f);
            }
        }
        double sum = REF.logitLaplaceNllSum(x, mu, lnB).getDouble(0);
        assertEquals(dot(REF.logitLaplaceNll(x, mu, lnB), Tensor.full(DType.F64, 1.0, shape)), sum, 1e-12);
    }

    @Test
    void badInputNamesTheOpAndTheShapes() {
        Tensor x = Tensor.zeros(DType.F32, 2, 3), mu = Tensor.zeros(DType.F32, 3, 2);
        for (Backend b : new Backend[] {REF, CPU}) {
            var e = assertThrows(IllegalArgumentException.class, () -> b.logitLaplaceNll(x, mu, x));
            assertTrue(e.getMessage().contains("logitLaplaceNll") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"),
                    e.getMessage());
            var g = assertThrows(IllegalArgumentException.class, () -> b.logitLaplaceNllBackward(x, x, x, mu));
            assertTrue(g.getMessage().contains("gradOut") && g.getMessage().contains("[3, 2]"), g.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.mapPixels(x, 0.5));
            assertThrows(IllegalArgumentException.class, () -> b.unmapPixels(Tensor.zeros(DType.I32, 2), 0.1));
        }
    }
}
