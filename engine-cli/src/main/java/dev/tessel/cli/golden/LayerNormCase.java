package dev.tessel.cli.golden;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code layernorm} cases (FORMAT.md 3.8): normalisation over the last axis with biased variance and
 * the case's eps, then weight and bias; grad.x/weight/bias through the engine's autograd.
 *
 * <p>Invariant: only a normalized_shape equal to the last axis is computed; several trailing axes
 * would need a reshape the case does not ask for today, so that is reported as unsupported.
 */
public final class LayerNormCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        Tensor x = c.tensor("in.x");
        double eps = c.attrs().number("eps");
        if (c.attrs().has("normalized_shape")) {
            int[] normalized = c.attrs().integers("normalized_shape");
            if (normalized.length != 1 || normalized[0] != x.dim(-1)) {
                throw new UnsupportedOperationException("layernorm over normalized_shape " + Arrays.toString(normalized)
                        + " of x " + x.shape() + " (the engine normalises the last axis only)");
            }
        }
        Tensor weight = c.optionalTensor("param.weight"), bias = c.optionalTensor("param.bias");
        try (var scope = Autograd.backend(backend)) {
            Variable vx = Variable.parameter(x);
            Variable vw = weight == null ? null : Variable.parameter(weight);
            Variable vb = bias == null ? null : Variable.parameter(bias);
            Map<String, Variable> leaves = new LinkedHashMap<>();
            leaves.put("x", vx);
            leaves.put("weight", vw);
            leaves.put("bias", vb);
            return GoldenBackprop.outputAndGradients(c, "out.y", Ops.layerNorm(vx, vw, vb, eps), leaves);
        }
    }
}
