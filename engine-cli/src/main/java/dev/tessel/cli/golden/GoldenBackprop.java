// GoldenBackprop: the gradient half of a golden case, computed by the engine's autograd.
//
// Invariant: the loss is FORMAT.md's convention, L = sum(out * in.w), or the output itself when
// the case has no in.w and the output is one element (a loss such as softmax_cross_entropy);
// a case with neither gets no grad.* fields, and the runner reports them as unsupported.
package dev.tessel.cli.golden;

import dev.tessel.autograd.Variable;
import dev.tessel.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

final class GoldenBackprop {
    private GoldenBackprop() {}

    /**
     * {@code outField -> out.value()} plus {@code "grad." + name -> leaf.grad()} for every named
     * leaf the backward reached. Call inside the case's backend scope.
     */
    static Map<String, Tensor> outputAndGradients(GoldenCase c, String outField, Variable out, Map<String, Variable> leaves) {
        Map<String, Tensor> fields = new LinkedHashMap<>();
        fields.put(outField, out.value());
        Tensor seed = c.optionalTensor("in.w");
        if (seed != null) {
            out.backward(seed);
        } else if (out.value().numel() == 1) {
            out.backward();
        } else {
            return fields;
        }
        leaves.forEach((name, leaf) -> {
            if (leaf != null && leaf.grad() != null) fields.put("grad." + name, leaf.grad());
        });
        return fields;
    }
}
