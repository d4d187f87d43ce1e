package dev.tessel.kernels.reference;

import dev.tessel.kernels.AdamWStep;
import dev.tessel.kernels.Unscaled;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Reference mixed-precision training ops: the filtered gradient unscale and the fused AdamW step,
 * element by element in double. Values are rounded once, into their storage dtype, by
 * Tensor.setDouble (for the moment formats: nearest even, saturating; see MomentFormat).
 *
 * <p>Invariant: this is the oracle the Cpu and device kernels are checked against; it stays a
 * plain loop over the formulas of Backend.unscaleFilter and AdamWStep.
 */
final class ReferenceTraining {
    private ReferenceTraining() {}

    static Unscaled unscaleFilter(Tensor x, double scale) {
        Unscaled.check(x, scale);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        // Narrow dtypes compute in float: the multiplier is 1/scale rounded to float, as the kernels use it.
        double inverse = x.dtype() == DType.F64 ? 1.0 / scale : (float) (1.0 / scale);
        long nonFinite = 0;
        for (long i = 0; i < x.numel(); i++) {
            out.setDouble(i, x.getDouble(i) * inverse);
            if (!Double.isFinite(out.getDouble(i))) {
                out.setDouble(i, 0);
                nonFinite++;
            }
        }
        return new Unscaled(out, nonFinite);
    }

    static long adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep h) {
        AdamWStep.check(param, grad, expAvg, expAvgSq);
        double decay = h.decay(), stepSize = h.stepSize(), bias2Sqrt = h.bias2Sqrt();
        long skipped = 0;
        for (long i = 0; i < param.numel(); i++) {
            double g = grad.getDouble(i);
            if (!Double.isFinite(g)) {
                skipped++;
                continue;
            }
            double m = h.beta1() * expAvg.getDouble(i) + (1 - h.beta1()) * g;
            double v = Math.min(h.beta2() * expAvgSq.getDouble(i) + (1 - h.beta2()) * g * g, h.varianceClip());
            double p = param.getDouble(i) * decay - stepSize * m / (Math.sqrt(v) / bias2Sqrt + h.eps());
            expAvg.setDouble(i, m);
            expAvgSq.setDouble(i, v);
            param.setDouble(i, p);
        }
        return skipped;
    }
}
