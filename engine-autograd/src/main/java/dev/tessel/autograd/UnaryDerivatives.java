// UnaryDerivatives: dL/dx = g * f'(x) for every UnaryOp, written with backend primitives.
//
// Invariant: each formula is the exact derivative of the forward definition in UnaryOp's javadoc
// (the three GELU forms differ, and so do their derivatives); results have x's shape and dtype.
package dev.tessel.autograd;

import static dev.tessel.autograd.GradMath.*;

import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.Tensor;

final class UnaryDerivatives {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final double GELU_SIGMOID_SCALE = 1.702;
    private static final double TANH_SCALE = Math.sqrt(2.0 / Math.PI);
    private static final double TANH_CUBIC = 0.044715;

    private UnaryDerivatives() {}

    /** Gradient of {@code op} at x (forward result y) for upstream gradient g; null when the derivative is zero everywhere. */
    static Tensor grad(UnaryOp op, Tensor x, Tensor y, Tensor g) {
        return switch (op) {
            case NEG -> times(g, -1.0);
            case ABS -> times(g, apply(UnaryOp.SIGN, x));
            case SIGN -> null;
            case EXP -> times(g, y);
            case LOG -> over(g, x);
            case SQRT -> over(g, times(y, 2.0));
            // d x^(-1/2) = -1/2 x^(-3/2) = -y^3 / 2
            case RSQRT -> times(g, times(times(times(y, y), y), -0.5));
            case TANH -> times(g, rsub(1.0, times(y, y)));
            case SIGMOID -> times(g, times(y, rsub(1.0, y)));
            case RELU -> times(g, greaterMask(x, scalar(x, 0.0)));
            case ERF -> times(g, times(gaussianKernel(x, 1.0), TWO_OVER_SQRT_PI));
            // fused: one pass of the backend's GELU_ERF_GRAD (the composite form took ten elementwise passes)
            case GELU_ERF -> be().binary(BinaryOp.GELU_ERF_GRAD, x, g);
            case GELU_SIGMOID -> times(g, geluSigmoidDerivative(x));
            case GELU_TANH -> times(g, geluTanhDerivative(x));
        };
    }

    /** exp(-scale x^2). */
    private static Tensor gaussianKernel(Tensor x, double scale) {
        return apply(UnaryOp.EXP, times(times(x, x), -scale));
    }

    /** d/dx [x s(a x)] = s + a x s (1 - s), s = sigmoid(a x), a = 1.702. */
    private static Tensor geluSigmoidDerivative(Tensor x) {
        Tensor s = apply(UnaryOp.SIGMOID, times(x, GELU_SIGMOID_SCALE));
        Tensor ds = times(times(s, rsub(1.0, s)), times(x, GELU_SIGMOID_SCALE));
        return plus(s, ds);
    }

    /** u = c (x + k x^3), t = tanh u: d/dx [x (1 + t) / 2] = (1 + t)/2 + x (1 - t^2) c (1 + 3 k x^2) / 2. */
    private static Tensor geluTanhDerivative(Tensor x) {
        Tensor x2 = times(x, x);
        Tensor u = times(times(x, plus(times(x2, TANH_CUBIC), 1.0)), TANH_SCALE);
        Tensor t = apply(UnaryOp.TANH, u);
        Tensor du = times(plus(times(x2, 3.0 * TANH_CUBIC), 1.0), TANH_SCALE);
        Tensor second = times(times(times(x, rsub(1.0, times(t, t))), du), 0.5);
        return plus(times(plus(t, 1.0), 0.5), second);
    }
}
