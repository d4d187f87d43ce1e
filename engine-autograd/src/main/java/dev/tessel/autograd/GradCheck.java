// GradCheck: compares the tape's gradients with float64 central finite differences.
//
// Invariant: the check never touches the caller's tensors: it works on float64 copies, and the
// numeric derivative perturbs one element of a copy at a time and restores it before the next.
package dev.tessel.autograd;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Gradient check for anyone embedding the engine. The scalar checked is L = sum(f(inputs) * w)
 * with a fixed pseudo-random w of the output's shape (so every output element contributes with
 * its own weight); dL/d(input) from the tape is compared with (L(x+eps) - L(x-eps)) / (2 eps)
 * element by element. An element passes when |analytic - numeric| <= atol + rtol * |numeric|.
 *
 * <p>Inputs with a floating dtype become float64 parameters and are checked; integer inputs (ids,
 * targets) are passed as constants. {@code f} must compute in float64 on the inputs it is given,
 * and its result must depend on at least one of them. Cost: two forward passes per checked
 * element, so keep shapes tiny (tens to a few hundred elements).
 */
public final class GradCheck {
    private static final long PROJECTION_SEED = 0x7e55e1L;

    private GradCheck() {}

    /**
     * Result of a check. {@code worstRatio} is max |a - n| / (atol + rtol |n|) (passed iff it is
     * at most 1); worstInput/worstIndex locate that element (flat row-major index), with its
     * analytic and numeric derivatives; maxAbsError is the largest |a - n| over all elements.
     */
    public record Report(boolean passed, double maxAbsError, double worstRatio, int worstInput, long worstIndex,
                         double analytic, double numeric, long elementsChecked) {
        public String describe() {
            return String.format("gradcheck %s: %d elements, max |analytic - numeric| = %.3e; worst at input %d, flat index %d: "
                            + "analytic %.10g vs numeric %.10g (%.2fx the tolerance)",
                    passed ? "passed" : "FAILED", elementsChecked, maxAbsError, worstInput, worstIndex, analytic, numeric, worstRatio);
        }
    }

    /** Runs the check and reports; never throws for a gradient mismatch. */
    public static Report check(Function<List<Variable>, Variable> f, List<Tensor> inputs, double eps, double atol, double rtol) {
        if (!(eps > 0) || atol < 0 || rtol < 0) {
            throw new IllegalArgumentException("gradcheck: eps must be > 0 and tolerances >= 0, got eps " + eps + ", atol " + atol + ", rtol " + rtol);
        }
        List<Variable> vars = new ArrayList<>();
        for (Tensor t : inputs) {
            Tensor copy = t.dtype().isFloating() ? t.to(DType.F64) : t.copy();
            vars.add(t.dtype().isFloating() ? Variable.parameter(copy) : Variable.constant(copy));
        }
        Tensor weights;
        try (var on = Autograd.enableGrad()) {
            Variable out = f.apply(vars);
            if (out.dtype() != DType.F64) {
                throw new IllegalArgumentException("gradcheck: f returned " + out.dtype() + "; it must compute in F64 for finite differences to be meaningful");
            }
            if (!out.requiresGrad()) {
                throw new IllegalArgumentException("gradcheck: f's result " + out + " does not depend on any floating input");
            }
            weights = projection(out.value());
            out.backward(weights);
        }
        Report worst = new Report(true, 0, 0, -1, -1, 0, 0, 0);
        double maxAbs = 0;
        long checked = 0;
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < vars.size(); i++) {
                Variable v = vars.get(i);
                if (!v.requiresGrad()) continue;
                Tensor x = v.value();
                Tensor grad = v.grad();
                for (long j = 0; j < x.numel(); j++) {
                    double original = x.getDouble(j);
                    x.setDouble(j, original + eps);
                    double plus = dot(f.apply(vars).value(), weights);
                    x.setDouble(j, original - eps);
                    double minus = dot(f.apply(vars).value(), weights);
                    x.setDouble(j, original);
                    double numeric = (plus - minus) / (2 * eps);
                    double analytic = grad == null ? 0.0 : grad.getDouble(j);
                    double err = Math.abs(analytic - numeric);
                    double ratio = err / (atol + rtol * Math.abs(numeric));
                    if (Double.isNaN(err)) ratio = Double.POSITIVE_INFINITY;
                    maxAbs = Math.max(maxAbs, err);
                    checked++;
                    if (ratio > worst.worstRatio || worst.worstInput < 0) {
                        worst = new Report(false, 0, ratio, i, j, analytic, numeric, 0);
                    }
                }
            }
        }
        return new Report(worst.worstRatio <= 1.0, maxAbs, worst.worstRatio, worst.worstInput, worst.worstIndex,
                worst.analytic, worst.numeric, checked);
    }

    /** Runs the check and throws AssertionError with a readable description when it fails. */
    public static Report assertGradients(Function<List<Variable>, Variable> f, List<Tensor> inputs, double eps, double atol, double rtol) {
        Report r = check(f, inputs, eps, atol, rtol);
        if (!r.passed()) throw new AssertionError(r.describe() + " (eps " + eps + ", atol " + atol + ", rtol " + rtol + ")");
        return r;
    }

    /** {@link #assertGradients} with eps 1e-6, atol 1e-7, rtol 1e-5: right for smooth functions of order-1 values. */
    public static Report assertGradients(Function<List<Variable>, Variable> f, List<Tensor> inputs) {
        return assertGradients(f, inputs, 1e-6, 1e-7, 1e-5);
    }

    private static Tensor projection(Tensor like) {
        Random random = new Random(PROJECTION_SEED);
        Tensor w = Tensor.zeros(DType.F64, like.shape());
        for (long i = 0; i < w.numel(); i++) w.setDouble(i, random.nextDouble() * 2 - 1);
        return w;
    }

    private static double dot(Tensor a, Tensor w) {
        double s = 0;
        for (long i = 0; i < a.numel(); i++) s += a.getDouble(i) * w.getDouble(i);
        return s;
    }
}
