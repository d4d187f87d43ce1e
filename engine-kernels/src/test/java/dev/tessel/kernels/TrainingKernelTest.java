package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Mixed-precision training ops on the Cpu backend against the Reference oracle (TrainingOpsCheck),
 * plus the oracle's own known answers and the input checks.
 */
class TrainingKernelTest {
    private static final Backend REF = Backends.reference(), CPU = Backends.cpu();

    @Test
    void cpuUnscaleFilterMatchesReference() {
        TrainingOpsCheck.checkUnscaleFilter(CPU, KernelTestSupport.FLOATS);
    }

    @Test
    void cpuAdamWMatchesReference() {
        TrainingOpsCheck.checkAdamW(CPU, TrainingOpsCheck.ADAM_CASES);
    }

    @Test
    void referenceUnscaleFilterKnownAnswer() {
        Tensor x = Tensor.of(new float[] {8, Float.NaN, -4, Float.POSITIVE_INFINITY, 0, 65504}, 6).to(DType.F16);
        Unscaled u = REF.unscaleFilter(x, 0.5);
        // 65504 / 0.5 overflows F16: it is counted and zeroed like Inf and NaN.
        assertEquals(3, u.nonFinite());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {16, 0, -8, 0, 0, 0}, u.values().toFloatArray());
    }

    @Test
    void referenceAdamWFirstStepKnownAnswer() {
        // First step, no decay: m = 0.1 g, v = 0.001 g², bias-corrected m̂ = g, v̂ = g², so p -= lr·g/(|g| + eps) = lr·sign(g).
        Tensor p = Tensor.of(new double[] {1, 1}, 2), g = Tensor.of(new double[] {0.5, -2}, 2);
        Tensor m = Tensor.zeros(DType.F64, 2), v = Tensor.zeros(DType.F64, 2);
        REF.adamwStep(p, g, m, v, new AdamWStep(0.1, 0.9, 0.999, 0, 0, 1));
        assertEquals(0.9, p.getDouble(0), 1e-15);
        assertEquals(1.1, p.getDouble(1), 1e-15);
        assertEquals(0.05, m.getDouble(0), 1e-15);
        assertEquals(0.004, v.getDouble(1), 1e-15);
    }

    @Test
    void badInputNamesTheOpAndTheTensors() {
        Tensor p = Tensor.zeros(DType.F32, 2, 3), g = Tensor.zeros(DType.F32, 3, 2);
        for (Backend b : new Backend[] {REF, CPU}) {
            var shape = assertThrows(IllegalArgumentException.class,
                    () -> b.adamwStep(p, g, Tensor.zeros(DType.F32, 2, 3), Tensor.zeros(DType.F32, 2, 3), new AdamWStep(1e-3, 0.9, 0.99, 1e-8, 0, 1)));
            assertTrue(shape.getMessage().contains("adamwStep") && shape.getMessage().contains("[3, 2]"), shape.getMessage());
            var format = assertThrows(IllegalArgumentException.class,
                    () -> b.adamwStep(p, p, Tensor.zeros(DType.VAR_0_6_10, 2, 3), Tensor.zeros(DType.F32, 2, 3), new AdamWStep(1e-3, 0.9, 0.99, 1e-8, 0, 1)));
            assertTrue(format.getMessage().contains("MEAN_1_6_9"), format.getMessage());
            var scale = assertThrows(IllegalArgumentException.class, () -> b.unscaleFilter(p, 0));
            assertTrue(scale.getMessage().contains("unscaleFilter") && scale.getMessage().contains("scale"), scale.getMessage());
        }
        var step = assertThrows(IllegalArgumentException.class, () -> new AdamWStep(1e-3, 0.9, 0.99, 1e-8, 0, 0));
        assertTrue(step.getMessage().contains("step"), step.getMessage());
    }
}
