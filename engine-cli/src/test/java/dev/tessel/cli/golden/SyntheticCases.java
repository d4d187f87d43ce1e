package dev.tessel.cli.golden;

import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-built golden cases and handlers for testing the runner without files or kernels: the op
 * "scale" has out.y = attrs.factor · in.x and grad.x = factor · in.w.
 */
final class SyntheticCases {
    private SyntheticCases() {}

    /** A "scale" case whose stored out.y is {@code factor*x + error} at element 0. */
    static GoldenCase scaleCase(String name, double factor, float error, boolean withGrad) {
        float[] x = {0.5f, -1.25f, 3f, 0f, 2f, -7f};
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) (factor * x[i]);
        y[0] += error;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("in.x", Tensor.of(x, 2, 3));
        tensors.put("out.y", Tensor.of(y, 2, 3));
        if (withGrad) tensors.put("grad.x", Tensor.of(new float[] {1, 1, 1, 1, 1, 1}, 2, 3));
        return new GoldenCase(name, "conv2d", new CaseAttrs(name, Map.of("factor", factor)), tensors,
                () -> tensors.values().forEach(Tensor::close));
    }

    /** Computes out.y only; its op slot is "conv2d" so the conv2d tolerances apply. */
    static final class ScaleHandler implements CaseHandler {
        @Override
        public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
            Tensor x = c.tensor("in.x");
            double factor = c.attrs().number("factor");
            Tensor y = Tensor.zeros(x.dtype(), x.shape());
            for (long i = 0; i < x.numel(); i++) y.setDouble(i, factor * x.getDouble(i));
            return Map.of("out.y", y);
        }
    }
}
