package dev.tessel.cli.golden;

import dev.tessel.autograd.nn.Parameter;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code adamw} cases (FORMAT.md 3.9): attrs.steps AdamW updates of in.param with the stored
 * gradients in.grad_step1..S and the case's lr, betas, eps and weight decay; the parameter after
 * each step and the final moments. The optimizer is backend-independent (it updates in place).
 */
public final class AdamwCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        CaseAttrs attrs = c.attrs();
        if (attrs.flagOr("amsgrad", false) || attrs.flagOr("maximize", false)) {
            throw new UnsupportedOperationException("adamw with amsgrad or maximize (the engine implements plain AdamW)");
        }
        double[] betas = attrs.numbers("betas");
        Parameter p = new Parameter("param", c.tensor("in.param").copy());
        AdamW adam = new AdamW(List.of(p), attrs.number("lr"), betas[0], betas[1], attrs.number("eps"), attrs.number("weight_decay"));
        Map<String, Tensor> fields = new LinkedHashMap<>();
        int steps = attrs.integer("steps");
        for (int t = 1; t <= steps; t++) {
            p.setGrad(c.tensor("in.grad_step" + t).copy());
            adam.step();
            fields.put("out.params_step" + t, p.value().copy());
        }
        fields.put("out.exp_avg", adam.state(p).expAvg());
        fields.put("out.exp_avg_sq", adam.state(p).expAvgSq());
        return fields;
    }
}
