package dev.tessel.autograd.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AdamW against the golden case adamw-01 (torch 1.13 itself; every hyper-parameter read from the
 * file, FORMAT.md 3.9 and the tolerances of section 2), against an independent float64 transcription
 * of the update rule, the variance clip, and torch's skipping of parameters without a gradient.
 */
class AdamWTest {
    private static void assertClose(Tensor expected, Tensor got, double atol, double rtol, String what) {
        for (long i = 0; i < expected.numel(); i++) {
            double e = expected.getDouble(i), g = got.getDouble(i);
            assertTrue(Math.abs(g - e) <= atol + rtol * Math.abs(e), what + " element " + i + ": got " + g + ", expected " + e);
        }
    }

    @Test
    void matchesTorchGoldenCase() throws Exception {
        Path path = Path.of(AdamWTest.class.getResource("/golden/adamw-01.safetensors").toURI());
        try (SafetensorsFile f = Safetensors.read(path)) {
            Map<?, ?> attrs = (Map<?, ?>) Json.parse(f.metadata().get("attrs"));
            List<?> betas = (List<?>) attrs.get("betas"), shape = (List<?>) attrs.get("shape");
            int steps = ((Number) attrs.get("steps")).intValue();
            Tensor p0 = f.tensor("in.param");
            assertEquals(shape.stream().map(n -> ((Number) n).intValue()).toList(),
                    java.util.Arrays.stream(p0.shape().toArray()).boxed().toList(), "attrs.shape vs in.param");
            Parameter p = new Parameter("param", p0.copy());
            AdamW adam = new AdamW(List.of(p), num(attrs.get("lr")), num(betas.get(0)), num(betas.get(1)), num(attrs.get("eps")),
                    num(attrs.get("weight_decay")));
            for (int t = 1; t <= steps; t++) {
                p.setGrad(f.tensor("in.grad_step" + t).copy());
                adam.step();
                Tensor expected = f.tensor("out.params_step" + t);
                assertClose(expected, p.value(), 2e-6, 0, "params after step " + t);
                // the update itself (about lr in size) to rtol 1e-3, as FORMAT.md asks
                for (long i = 0; i < p0.numel(); i++) {
                    double want = expected.getDouble(i) - p0.getDouble(i), got = p.value().getDouble(i) - p0.getDouble(i);
                    assertEquals(want, got, 1e-3 * Math.abs(want), "p_" + t + " - p_0 at element " + i);
                }
            }
            assertClose(f.tensor("out.exp_avg"), adam.state(p).expAvg(), 0, 1e-5, "exp_avg");
            assertClose(f.tensor("out.exp_avg_sq"), adam.state(p).expAvgSq(), 0, 1e-5, "exp_avg_sq");
            assertEquals(steps, adam.state(p).step());
        }
    }

    private static double num(Object o) { return ((Number) o).doubleValue(); }

    @Test
    void float64PathFollowsTheUpdateRule() {
        double lr = 1e-2, b1 = 0.8, b2 = 0.9, eps = 1e-6, wd = 0.1;
        double[] p = {0.5, -1.5, 2.0}, m = new double[3], v = new double[3];
        Parameter param = new Parameter("p", Tensor.of(p.clone(), 3));
        AdamW adam = new AdamW(List.of(param), lr, b1, b2, eps, wd);
        double[][] grads = {{0.1, -0.2, 3}, {0.0, 0.5, -1}, {1, 1, 1}};
        for (int t = 1; t <= grads.length; t++) {
            param.setGrad(Tensor.of(grads[t - 1].clone(), 3));
            adam.step();
            for (int i = 0; i < 3; i++) {
                double g = grads[t - 1][i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.pow(b1, t)), vHat = v[i] / (1 - Math.pow(b2, t));
                p[i] = p[i] * (1 - lr * wd) - lr * mHat / (Math.sqrt(vHat) + eps);
            }
            for (int i = 0; i < 3; i++) {
                // the textbook form with m̂ and v̂ is algebraically the same update; only rounding differs
                assertEquals(p[i], param.value().getDouble(i), 1e-14, "step " + t + " element " + i);
            }
        }
    }

    @Test
    void stateDictResumesExactly() {
        float[] init = {0.5f, -1f, 2f};
        Parameter straight = new Parameter("w", Tensor.of(init.clone(), 3)), resumed = new Parameter("w", Tensor.of(init.clone(), 3));
        AdamW a = new AdamW(List.of(straight), 1e-2, 0.9, 0.96, 1e-8, 0.01), b = new AdamW(List.of(resumed), 1e-2, 0.9, 0.96, 1e-8, 0.01);
        float[][] grads = {{1, -2, 0.5f}, {0.3f, 0.1f, -1}, {-1, 1, 1}};
        for (int t = 0; t < 2; t++) {
            straight.setGrad(Tensor.of(grads[t].clone(), 3));
            resumed.setGrad(Tensor.of(grads[t].clone(), 3));
            a.step();
            b.step();
        }
        Map<String, Tensor> saved = new java.util.HashMap<>();
        b.stateDict(Map.of("w", resumed)).forEach((k, v) -> saved.put(k, v.copy()));
        assertEquals(java.util.Set.of("w.exp_avg", "w.exp_avg_sq", "w.step"), saved.keySet());
        AdamW fresh = new AdamW(List.of(resumed), 1e-2, 0.9, 0.96, 1e-8, 0.01);
        fresh.loadStateDict(saved, Map.of("w", resumed));
        straight.setGrad(Tensor.of(grads[2].clone(), 3));
        resumed.setGrad(Tensor.of(grads[2].clone(), 3));
        a.step();
        fresh.step();
        assertArrayEquals(straight.value().toFloatArray(), resumed.value().toFloatArray(), "a resumed run continues bit for bit");
        assertEquals(3, fresh.state(resumed).step());
        saved.put("w.exp_avg", Tensor.zeros(DType.F32, 4));
        var bad = assertThrows(IllegalArgumentException.class, () -> fresh.loadStateDict(saved, Map.of("w", resumed)));
        assertTrue(bad.getMessage().contains("'w'") && bad.getMessage().contains("[4]") && bad.getMessage().contains("[3]"), bad.getMessage());
    }

    @Test
    void varianceClipBoundsTheSecondMoment() {
        Parameter p = new Parameter("p", Tensor.of(new float[] {1, 1}, 2));
        AdamW adam = new AdamW(List.of(p), 1e-3, 0.9, 0.96, 1e-8, 0).withVarianceClip(5);
        p.setGrad(Tensor.of(new float[] {100, 1}, 2));
        adam.step();
        assertEquals(5.0, adam.state(p).expAvgSq().getDouble(0), "clipped at the bound");
        assertEquals(0.04, adam.state(p).expAvgSq().getDouble(1), 1e-7, "below the bound: (1 - b2) g²");
        assertEquals(Double.POSITIVE_INFINITY, new AdamW(List.of(p), 1e-3).varianceClip(), "off by default");
    }

    @Test
    void parameterWithoutGradientIsSkipped() {
        Parameter a = new Parameter("a", Tensor.of(new float[] {1}, 1)), b = new Parameter("b", Tensor.of(new float[] {1}, 1));
        AdamW adam = new AdamW(List.of(a, b), 1e-2);
        a.setGrad(Tensor.of(new float[] {1}, 1));
        adam.step();
        assertNull(adam.state(b));
        assertEquals(1.0f, b.value().getDouble(0), "no gradient: no weight decay either, as in torch");
        assertNotEquals(1.0, a.value().getDouble(0));
        var bad = assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(a), 1e-3, 1.0, 0.9, 1e-8, 0));
        assertTrue(bad.getMessage().contains("betas"), bad.getMessage());
        var dtype = assertThrows(IllegalArgumentException.class,
                () -> new AdamW(List.of(new Parameter("h", Tensor.zeros(DType.BF16, 2))), 1e-3));
        assertTrue(dtype.getMessage().contains("BF16") && dtype.getMessage().contains("F16"), dtype.getMessage());
    }

    @Test
    void float16ParameterIsUpdatedInFloatAndRoundedOnce() {
        // Weights kept in F16 without a master copy (the transformer's mixed precision): each step
        // is the float update of the decoded value, rounded to F16 once; moments are F32 (or 16-bit).
        double lr = 1e-2, b1 = 0.9, b2 = 0.96, eps = 1e-8, wd = 4.5e-2;
        Parameter param = new Parameter("w", Tensor.of(new float[] {0.5f, -0.02f, 1.5f, 3e-3f}, 4).to(DType.F16));
        for (boolean sixteenBitMoments : new boolean[] {false, true}) {
            AdamW adam = new AdamW(List.of(param), lr, b1, b2, eps, wd);
            if (sixteenBitMoments) adam.withSixteenBitMoments();
            double[] m = new double[4], v = new double[4];
            float[][] grads = {{0.1f, -0.2f, 3f, 1e-4f}, {0.02f, 0.5f, -1f, 1e-4f}, {1f, 1f, 1f, -1e-4f}};
            for (int t = 1; t <= grads.length; t++) {
                double[] before = new double[4];
                for (int i = 0; i < 4; i++) before[i] = param.value().getDouble(i);
                param.setGrad(Tensor.of(grads[t - 1].clone(), 4));
                adam.step();
                assertEquals(DType.F16, param.dtype(), "the parameter stays F16");
                for (int i = 0; i < 4; i++) {
                    double g = grads[t - 1][i];
                    m[i] = b1 * m[i] + (1 - b1) * g;
                    v[i] = b2 * v[i] + (1 - b2) * g * g;
                    double update = lr / (1 - Math.pow(b1, t)) * m[i] / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps);
                    double want = before[i] * (1 - lr * wd) - update;
                    // One F16 rounding of the result (a float-vs-double difference can cross a rounding
                    // boundary: one F16 unit, 2^(exponent-10), at least the subnormal step 2^-24); with
                    // 16-bit moments also their rounding (units of 2^-10 and 2^-11 relative, over three
                    // steps well below 2^-7 of the update).
                    double unit = Math.max(Math.scalb(1.0, Math.getExponent((float) want) - 10), 0x1p-24);
                    double tolerance = unit + (sixteenBitMoments ? Math.abs(update) * 0x1p-7 : 0);
                    assertEquals(want, param.value().getDouble(i), tolerance, "moments16 " + sixteenBitMoments + " step " + t + " element " + i);
                    assertEquals(param.value().getDouble(i), Float.float16ToFloat(Float.floatToFloat16((float) param.value().getDouble(i))),
                            "the stored value is an F16 value");
                }
            }
            assertEquals(sixteenBitMoments ? DType.MEAN_1_6_9 : DType.F32, adam.state(param).expAvg().dtype());
        }
    }
}
