package dev.tessel.cli.golden;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code conv2d} cases (FORMAT.md 3.7): stride-1 "same" cross-correlation, x [B,Cin,H,W],
 * weight [Cout,Cin,k,k], bias [Cout] -> out.y [B,Cout,H,W], and grad.x/weight/bias through the engine's autograd.
 *
 * <p>Invariant: the engine's conv2d does stride 1, zero padding (k-1)/2, no dilation, one group;
 * any other recorded setting is reported as unsupported rather than computed wrongly.
 */
public final class Conv2dCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        Tensor x = c.tensor("in.x");
        Tensor weight = c.tensor("param.weight");
        Tensor bias = c.optionalTensor("param.bias");
        CaseAttrs attrs = c.attrs();
        int kernel = attrs.integer("kernel");
        if (weight.rank() != 4 || weight.dim(2) != kernel || weight.dim(3) != kernel) {
            throw new MalformedCaseException(c.name() + ": attrs.kernel " + kernel + " does not match param.weight " + weight.shape());
        }
        int stride = attrs.integerOr("stride", 1);
        int padding = attrs.integerOr("padding", (kernel - 1) / 2);
        int dilation = attrs.integerOr("dilation", 1);
        int groups = attrs.integerOr("groups", 1);
        if (stride != 1 || padding != (kernel - 1) / 2 || dilation != 1 || groups != 1 || kernel % 2 == 0) {
            throw new UnsupportedOperationException("conv2d with kernel " + kernel + " stride " + stride + " padding " + padding
                    + " dilation " + dilation + " groups " + groups + " (the engine does odd kernels, stride 1, 'same' padding)");
        }
        try (var scope = Autograd.backend(backend)) {
            Variable vx = Variable.parameter(x), vw = Variable.parameter(weight);
            Variable vb = bias == null ? null : Variable.parameter(bias);
            Map<String, Variable> leaves = new LinkedHashMap<>();
            leaves.put("x", vx);
            leaves.put("weight", vw);
            leaves.put("bias", vb);
            return GoldenBackprop.outputAndGradients(c, "out.y", Ops.conv2d(vx, vw, vb), leaves);
        }
    }
}
