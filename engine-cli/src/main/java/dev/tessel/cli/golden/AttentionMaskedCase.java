package dev.tessel.cli.golden;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code attention.masked} cases (FORMAT.md 3.6): dense attention with the stored U8 mask
 * (1 = attend), out.out and grad.q/k/v of sum(out * in.w) through the engine's autograd.
 */
public final class AttentionMaskedCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        Tensor mask = c.tensor("in.mask");
        try (var scope = Autograd.backend(backend)) {
            Variable q = Variable.parameter(c.tensor("in.q")), k = Variable.parameter(c.tensor("in.k")), v = Variable.parameter(c.tensor("in.v"));
            Map<String, Variable> leaves = new LinkedHashMap<>();
            leaves.put("q", q);
            leaves.put("k", k);
            leaves.put("v", v);
            return GoldenBackprop.outputAndGradients(c, "out.out", Functional.maskedAttention(q, k, v, mask), leaves);
        }
    }
}
