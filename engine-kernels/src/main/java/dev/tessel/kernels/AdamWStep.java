package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Hyper-parameters of one fused AdamW step ({@link Backend#adamwStep}) and the operand checks
 * every backend shares. The update is torch 1.13's single-tensor AdamW (as engine-autograd's
 * AdamW), element by element:
 * <pre>
 *   p *= 1 - lr·wd;  m = b1·m + (1-b1)·g;  v = min(b2·v + (1-b2)·g², varianceClip)
 *   p -= (lr / (1 - b1^t)) · m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * with {@code t = step} (1 for the first update). The parameter update uses m and v as computed,
 * before they are rounded into their storage format.
 *
 * <p>Invariant: moments may be stored in the parameter's dtype or in the paper's 16-bit formats
 * (m in MEAN_1_6_9, v in VAR_0_6_10: round to nearest even, saturating at the format's maximum);
 * an element whose gradient is not finite is left untouched (parameter and both moments) and
 * counted, never encoded. A parameter may itself be F16 (the paper keeps resblock weights in
 * 16 bits, with no fp32 master copy): the update is computed in float from its decoded value and
 * rounded to F16 once, at the end; its moments are then F32 or the 16-bit formats.
 */
public record AdamWStep(double lr, double beta1, double beta2, double eps, double weightDecay, long step, double varianceClip) {
    public AdamWStep {
        if (!(lr >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps >= 0) || !(weightDecay >= 0)
                || step < 1 || !(varianceClip > 0)) {
            throw new IllegalArgumentException("adamwStep: need lr >= 0, 0 <= betas < 1, eps >= 0, weight_decay >= 0, step >= 1,"
                    + " varianceClip > 0; got lr " + lr + ", betas (" + beta1 + ", " + beta2 + "), eps " + eps + ", weight_decay "
                    + weightDecay + ", step " + step + ", varianceClip " + varianceClip);
        }
    }

    /** No variance clip. */
    public AdamWStep(double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
        this(lr, beta1, beta2, eps, weightDecay, step, Double.POSITIVE_INFINITY);
    }

    /**
     * The dtype of full-width moments for a parameter of {@code param}: its own, except F32 for
     * an F16 parameter (fp16 moments would lose the small (1-b2)·g² increments).
     */
    public static DType momentDtype(DType param) { return param == DType.F16 ? DType.F32 : param; }

    /** The factor the parameter is multiplied by first: 1 - lr·wd. */
    public double decay() { return 1 - lr * weightDecay; }

    /** lr / (1 - b1^t). */
    public double stepSize() { return lr / (1 - Math.pow(beta1, step)); }

    /** sqrt(1 - b2^t). */
    public double bias2Sqrt() { return Math.sqrt(1 - Math.pow(beta2, step)); }

    /**
     * param F32, F64 or F16, contiguous; grad a float of param's shape (any layout); expAvg of
     * param's dtype (F32 for an F16 parameter) or MEAN_1_6_9, expAvgSq likewise or VAR_0_6_10,
     * both contiguous, same shape.
     */
    public static void check(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq) {
        String op = "adamwStep";
        if (param.dtype() != DType.F32 && param.dtype() != DType.F64 && param.dtype() != DType.F16) {
            throw new IllegalArgumentException(op + ": parameter " + OpChecks.describe(param) + " must be F32, F64 or F16");
        }
        OpChecks.requireFloat(op, grad);
        DType wide = momentDtype(param.dtype());
        if (expAvg.dtype() != wide && expAvg.dtype() != DType.MEAN_1_6_9) {
            throw new IllegalArgumentException(op + ": first moment " + OpChecks.describe(expAvg) + " must be " + wide + " or MEAN_1_6_9");
        }
        if (expAvgSq.dtype() != wide && expAvgSq.dtype() != DType.VAR_0_6_10) {
            throw new IllegalArgumentException(op + ": second moment " + OpChecks.describe(expAvgSq) + " must be " + wide + " or VAR_0_6_10");
        }
        for (Tensor t : new Tensor[] {grad, expAvg, expAvgSq}) {
            if (!t.shape().equals(param.shape())) {
                throw new IllegalArgumentException(op + ": " + OpChecks.describe(t) + " does not match parameter " + OpChecks.describe(param));
            }
        }
        for (Tensor t : new Tensor[] {param, expAvg, expAvgSq}) {
            if (!t.isContiguous()) throw new IllegalArgumentException(op + ": " + OpChecks.describe(t) + " is updated in place and must be contiguous");
        }
    }
}
