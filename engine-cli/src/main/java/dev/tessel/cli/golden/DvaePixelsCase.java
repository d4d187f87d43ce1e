package dev.tessel.cli.golden;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code dvae.pixels} cases (FORMAT.md 3.3): map/unmap pixels with attrs.logit_laplace_eps, the
 * logit-Laplace NLL elementwise and summed at x = the stored out.mapped, and grad.mu / grad.ln_b
 * of the summed NLL (the case's loss is out.nll itself: it has no in.w).
 */
public final class DvaePixelsCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        double eps = c.attrs().number("logit_laplace_eps");
        Tensor x = c.tensor("out.mapped");
        try (var scope = Autograd.backend(backend)) {
            Map<String, Tensor> fields = new LinkedHashMap<>();
            fields.put("out.mapped", backend.mapPixels(c.tensor("in.x"), eps));
            fields.put("out.unmapped", Functional.unmapPixels(c.tensor("in.y"), eps));
            Variable mu = Variable.parameter(c.tensor("in.mu")), lnB = Variable.parameter(c.tensor("in.ln_b"));
            try (var off = Autograd.noGrad()) {
                fields.put("out.nll_elem", Functional.logitLaplaceNll(x, mu, lnB).value());
            }
            Map<String, Variable> leaves = new LinkedHashMap<>();
            leaves.put("mu", mu);
            leaves.put("ln_b", lnB);
            fields.putAll(GoldenBackprop.outputAndGradients(c, "out.nll", Functional.logitLaplaceNllSum(x, mu, lnB), leaves));
            return fields;
        }
    }
}
