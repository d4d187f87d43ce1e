package dev.tessel.cli.golden;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.Tensor;

import java.util.Map;

/**
 * {@code gelu} cases (FORMAT.md 3.8): attrs.variant picks the exact erf form, x·sigmoid(1.702x) or the
 * tanh approximation.
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
        return Map.of("out.y", backend.unary(op, c.tensor("in.x")));
    }
}
