package dev.tessel.autograd.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Global-norm clipping and the parameter EMA with its evaluation swap. */
class ClippingAndEmaTest {
    @Test
    void clipGlobalNormScalesAllGradientsTogether() {
        Parameter a = new Parameter("a", Tensor.of(new float[] {0, 0}, 2)), b = new Parameter("b", Tensor.of(new float[] {0}, 1));
        Parameter none = new Parameter("c", Tensor.of(new float[] {0}, 1));
        a.setGrad(Tensor.of(new float[] {3, 0}, 2));
        b.setGrad(Tensor.of(new double[] {4}, 1));
        double norm = GradClipping.clipGlobalNorm(List.of(a, b, none), 1.0);
        assertEquals(5.0, norm, 1e-12, "norm before clipping: sqrt(3² + 4²)");
        double scale = 1.0 / (5.0 + 1e-6);
        assertEquals(3 * scale, a.grad().getDouble(0), 1e-7);
        assertEquals(4 * scale, b.grad().getDouble(0), 1e-12, "an F64 gradient is scaled in double");
        assertEquals(0.0, a.grad().getDouble(1));
        assertEquals(5 * scale, GradClipping.clipGlobalNorm(List.of(a, b), 10.0), 1e-6, "below the bound: unchanged");
        assertEquals(3 * scale, a.grad().getDouble(0), 1e-7);
        b.setGrad(Tensor.of(new double[] {Double.NaN}, 1));
        assertTrue(Double.isNaN(GradClipping.clipGlobalNorm(List.of(a, b), 1.0)));
        assertEquals(3 * scale, a.grad().getDouble(0), 1e-7, "a non-finite norm leaves gradients untouched");
    }

    @Test
    void emaAveragesAndSwapsInForEvaluation() {
        emaCase(Tensor.of(new double[] {1.0, 2.0}, 2), 1e-15);
        // F32 weights average in float: a few float roundings per update
        emaCase(Tensor.of(new float[] {1.0f, 2.0f}, 2), 1e-6);
        // F16 weights average into an F32 shadow; swapped in, the average is rounded to F16 (unit 2^-9 at 2..4)
        emaCase(Tensor.of(new float[] {1.0f, 2.0f}, 2).to(DType.F16), 0x1p-9);
    }

    @Test
    void float16WeightsAverageInFloat() {
        // A 1% step of a one-unit gap is far below half an F16 unit: an F16 average would never move.
        Parameter p = new Parameter("w", Tensor.of(new float[] {1.0f}, 1).to(DType.F16));
        ParameterEma ema = new ParameterEma(List.of(p), 0.99);
        assertEquals(DType.F32, ema.shadow(0).dtype());
        p.value().setDouble(0, 1 + 0x1p-10);
        ema.update();
        assertEquals(1 + 0.01 * 0x1p-10, ema.shadow(0).getDouble(0), 1e-7);
        try (var swap = ema.swapIn()) {
            assertEquals(1.0, p.value().getDouble(0), "the average rounded to the nearest F16");
        }
        assertEquals(1 + 0x1p-10, p.value().getDouble(0), "the trained F16 value restored exactly");
        assertEquals(1 + 0.01 * 0x1p-10, ema.shadow(0).getDouble(0), 1e-7, "the F32 average untouched by the swap");
    }

    private static void emaCase(Tensor initial, double tolerance) {
        double decay = 0.9;
        Parameter p = new Parameter("p", initial);
        ParameterEma ema = new ParameterEma(List.of(p), decay);
        double[] shadow = {1.0, 2.0};
        double[][] trained = {{2.0, 0.0}, {4.0, 1.0}, {3.0, 3.0}};
        for (double[] values : trained) {
            for (int i = 0; i < 2; i++) {
                p.value().setDouble(i, values[i]);
                shadow[i] = decay * shadow[i] + (1 - decay) * values[i];
            }
            ema.update();
        }
        assertArrayEquals(shadow, ema.shadow(0).toDoubleArray(), tolerance);
        Tensor live = p.value();
        try (var swap = ema.swapIn()) {
            assertSame(live, p.value(), "the parameter keeps its tensor; contents are exchanged");
            assertArrayEquals(shadow, p.value().toDoubleArray(), tolerance);
            assertThrows(IllegalStateException.class, ema::update);
        }
        assertArrayEquals(new double[] {3.0, 3.0}, p.value().toDoubleArray(), 0.0, "trained values restored");
    }
}
