package dev.tessel.cli.golden;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.Map;

/**
 * {@code softmax_cross_entropy} cases (FORMAT.md 3.8): logits [N,C] with classes on the last axis,
 * integer targets [N], out.loss [1] = the mean over rows; grad.logits = d out.loss / d logits.
 *
 * <p>Invariant: a case recording another class axis or reduction is unsupported, not recomputed
 * under different assumptions.
 */
public final class SoftmaxCrossEntropyCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        Tensor logits = c.tensor("in.logits");
        Tensor targets = c.tensor("in.targets");
        CaseAttrs attrs = c.attrs();
        int classAxis = attrs.integerOr("class_axis", logits.rank() - 1);
        if (classAxis != logits.rank() - 1) {
            throw new UnsupportedOperationException("softmax_cross_entropy with classes on axis " + classAxis
                    + " of logits " + logits.shape() + " (the engine takes them on the last axis)");
        }
        if (attrs.has("reduction") && !attrs.string("reduction").equals("mean")) {
            throw new UnsupportedOperationException("softmax_cross_entropy with reduction '" + attrs.string("reduction") + "' (the engine takes the mean)");
        }
        try (var scope = Autograd.backend(backend)) {
            Variable vLogits = Variable.parameter(logits);
            return GoldenBackprop.outputAndGradients(c, "out.loss", Ops.softmaxCrossEntropy(vLogits, targets), Map.of("logits", vLogits));
        }
    }
}
