package dev.tessel.kernels;

import static dev.tessel.kernels.DalleOpsTestTensors.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gumbel-softmax kernels: Cpu against the Reference oracle for every float dtype, contiguous and
 * permuted inputs, odd sizes and every axis; the Reference backward against central differences
 * in float64; argmaxOneHot; bad input. The golden cases are in DalleOpsGoldenTest.
 */
class GumbelSoftmaxKernelTest {
    private static final Backend REF = Backends.reference(), CPU = Backends.cpu();
    private static final int[] SHAPE = {3, 7, 5, 3};

    @Test
    void cpuForwardAndBackwardMatchReference() {
        Random rnd = new Random(11);
        for (DType dtype : FLOAT_DTYPES) {
            for (boolean strided : new boolean[] {false, true}) {
                for (int axis : new int[] {0, 1, -1}) {
                    String what = dtype + (strided ? " strided" : "") + " axis " + axis;
                    Tensor logits = uniform(rnd, dtype, -3, 3, strided, SHAPE);
                    Tensor u = uniform(rnd, dtype, 0.01, 0.99, strided, SHAPE);
                    Tensor gradY = uniform(rnd, dtype, -1, 1, strided, SHAPE);
                    double tau = 0.7;
                    Tensor yRef = REF.gumbelSoftmax(logits, u, tau, axis);
                    assertClose(yRef, CPU.gumbelSoftmax(logits, u, tau, axis), dtype, "forward " + what);
                    assertClose(REF.gumbelSoftmaxBackward(yRef, gradY, tau, axis), CPU.gumbelSoftmaxBackward(yRef, gradY, tau, axis),
                            dtype, "backward " + what);
                    Tensor hotRef = REF.argmaxOneHot(logits, axis), hotCpu = CPU.argmaxOneHot(logits, axis);
                    assertClose(hotRef, hotCpu, 0, 0, "argmaxOneHot " + what);
                }
            }
        }
    }

    @Test
    void softSampleIsADistributionAlongTheAxis() {
        Random rnd = new Random(12);
        Tensor logits = uniform(rnd, DType.F64, -4, 4, false, SHAPE);
        Tensor u = uniform(rnd, DType.F64, 1e-6, 1 - 1e-6, false, SHAPE);
        Tensor y = REF.gumbelSoftmax(logits, u, 0.25, 1);
        for (int b = 0; b < SHAPE[0]; b++) {
            for (int h = 0; h < SHAPE[2]; h++) {
                for (int w = 0; w < SHAPE[3]; w++) {
                    double sum = 0;
                    for (int c = 0; c < SHAPE[1]; c++) sum += y.get(b, c, h, w);
                    assertEquals(1.0, sum, 1e-12, "sum over the axis at " + b + "," + h + "," + w);
                }
            }
        }
    }

    @Test
    void referenceBackwardMatchesCentralDifferences() {
        Random rnd = new Random(13);
        int[] shape = {2, 5, 3};
        Tensor logits = uniform(rnd, DType.F64, -2, 2, false, shape);
        Tensor u = uniform(rnd, DType.F64, 0.05, 0.95, false, shape);
        Tensor w = uniform(rnd, DType.F64, -1, 1, false, shape);
        double tau = 0.6;
        Tensor grad = REF.gumbelSoftmaxBackward(REF.gumbelSoftmax(logits, u, tau, 1), w, tau, 1);
        for (long f = 0; f < logits.numel(); f++) {
            double numeric = centralDifference(logits, f, 1e-6, () -> dot(REF.gumbelSoftmax(logits, u, tau, 1), w));
            assertEquals(numeric, grad.getDouble(f), 1e-8, "d/dlogits at " + f);
        }
    }

    @Test
    void argmaxOneHotPicksTheFirstMaximum() {
        Tensor x = Tensor.of(new float[] {1, 3, 3, 0, /* row 2 */ 2, 2, 2, 2}, 2, 4);
        for (Backend b : new Backend[] {REF, CPU}) {
            Tensor hot = b.argmaxOneHot(x, 1);
            assertArrayEquals(new float[] {0, 1, 0, 0, 1, 0, 0, 0}, hot.toFloatArray(), b.name());
        }
    }

    @Test
    void badInputNamesTheOpAndBothShapes() {
        Tensor logits = Tensor.zeros(DType.F32, 2, 3), u = Tensor.zeros(DType.F32, 3, 2);
        for (Backend b : new Backend[] {REF, CPU}) {
            var e = assertThrows(IllegalArgumentException.class, () -> b.gumbelSoftmax(logits, u, 1.0, 1));
            assertTrue(e.getMessage().contains("gumbelSoftmax") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"),
                    e.getMessage());
            var t = assertThrows(IllegalArgumentException.class, () -> b.gumbelSoftmax(logits, logits, 0.0, 1));
            assertTrue(t.getMessage().contains("tau"), t.getMessage());
            var d = assertThrows(IllegalArgumentException.class, () -> b.gumbelSoftmax(logits, Tensor.zeros(DType.F64, 2, 3), 1.0, 1));
            assertTrue(d.getMessage().contains("F32") && d.getMessage().contains("F64"), d.getMessage());
        }
    }
}
