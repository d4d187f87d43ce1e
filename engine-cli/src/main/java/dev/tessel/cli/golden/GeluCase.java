package dev.tessel.cli.golden;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.Tensor;

import java.util.Map;

/**
 * {@code gelu} cases (FORMAT.md 3.8): attrs.variant picks the exact erf form, x·sigmoid(1.702x) or the
 * tanh approximation; grad.x through the engine's autograd.
 *
 * <p>Invariant: the variant names are those of the case files; an unknown one is unsupported, never
 * silently mapped to another form.
 */
public final class GeluCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        String variant = c.attrs().string("variant");
        UnaryOp op = switch (variant) {
            case "erf" -> UnaryOp.GELU_ERF;
            case "sigmoid_1.702" -> UnaryOp.GELU_SIGMOID;
            case "tanh" -> UnaryOp.GELU_TANH;
            default -> throw new UnsupportedOperationException("gelu variant '" + variant + "' (known: erf, sigmoid_1.702, tanh)");
        };
        try (var scope = Autograd.backend(backend)) {
            Variable x = Variable.parameter(c.tensor("in.x"));
            return GoldenBackprop.outputAndGradients(c, "out.y", Ops.unary(op, x), Map.of("x", x));
        }
    }
}
