package dev.tessel.cli.golden;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code gumbel_softmax} cases (FORMAT.md 3.4): soft y and straight-through y_hard from the stored
 * noise in.u, their gradients of sum(· * in.w) through the engine's autograd, and the argmax.
 *
 * <p>Invariant: soft and hard run as two separate graphs on fresh leaves, so grad.logits and
 * grad.logits_hard are each one backward, never a sum of both.
 */
public final class GumbelSoftmaxCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        Tensor logits = c.tensor("in.logits"), u = c.tensor("in.u"), w = c.tensor("in.w");
        double tau = c.attrs().number("tau");
        int axis = c.attrs().integer("dim");
        try (var scope = Autograd.backend(backend)) {
            Variable soft = Variable.parameter(logits), hard = Variable.parameter(logits);
            Map<String, Tensor> fields = new LinkedHashMap<>(
                    GoldenBackprop.outputAndGradients(c, "out.y", Functional.gumbelSoftmax(soft, u, tau, axis), Map.of("logits", soft)));
            Variable yHard = Functional.gumbelSoftmaxHard(hard, u, tau, axis);
            fields.put("out.y_hard", yHard.value());
            fields.put("out.argmax", indexOfOne(yHard.value(), axis));
            yHard.backward(w);
            fields.put("grad.logits_hard", hard.grad());
            return fields;
        }
    }

    /** The class index of each one-hot vector along {@code axis}, as I64 with that axis removed. */
    private static Tensor indexOfOne(Tensor oneHot, int axis) {
        int a = oneHot.shape().normalizeAxis(axis), classes = oneHot.dim(a);
        int[] dims = oneHot.shape().toArray(), outDims = new int[dims.length - 1];
        long inner = 1;
        for (int d = 0, j = 0; d < dims.length; d++) {
            if (d != a) outDims[j++] = dims[d];
            if (d > a) inner *= dims[d];
        }
        Tensor out = Tensor.zeros(DType.I64, outDims);
        for (long o = 0; o < out.numel(); o++) {
            long outer = o / inner, rest = o % inner;
            for (int k = 0; k < classes; k++) {
                if (oneHot.getDouble((outer * classes + k) * inner + rest) == 1.0) out.setBitsAt(o, k);
            }
        }
        return out;
    }
}
