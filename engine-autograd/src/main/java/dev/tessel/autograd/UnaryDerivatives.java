// UnaryDerivatives: dL/dx = g * f'(x) for every UnaryOp, written with backend primitives.
//
// Invariant: each formula is the exact derivative of the forward definition in UnaryOp's javadoc
// (the three GELU forms differ, and so do their derivatives); results have x's shape and dtype.
package dev.tessel.autograd;

import static dev.tessel.autograd.GradMath.*;

import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.Tensor;

final class UnaryDerivatives {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    private static final double GELU_SIGMOID_SCALE = 1.702;
    private static final double TANH_SCALE = Math.sqrt(2.0 / Math.PI);
    private static final double TANH_CUBIC = 0.044715;

    private UnaryDerivatives() {}

    /** Gradient of {@code op} at x (forward result y) for upstream gradient g; null when the derivative is zero everywhere. */
    static Tensor grad(UnaryOp op, Tensor x, Tensor y, Tensor g) {
        return switch (op) {
            case NEG -> mul(g, -1.0);
            case ABS -> mul(g, unary(UnaryOp.SIGN, x));
            case SIGN -> null;
            case EXP -> mul(g, y);
            case LOG -> div(g, x);
            case SQRT -> div(g, mul(y, 2.0));
            // d x^(-1/2) = -1/2 x^(-3/2) = -y^3 / 2
            case RSQRT -> mul(g, mul(mul(mul(y, y), y), -0.5));
            case TANH -> mul(g, rsub(1.0, mul(y, y)));
            case SIGMOID -> mul(g, mul(y, rsub(1.0, y)));
            case RELU -> mul(g, greater(x, scalar(x, 0.0)));
            case ERF -> mul(g, mul(gaussianKernel(x, 1.0), TWO_OVER_SQRT_PI));
            case GELU_ERF -> mul(g, geluErfDerivative(x));
            case GELU_SIGMOID -> mul(g, geluSigmoidDerivative(x));
            case GELU_TANH -> mul(g, geluTanhDerivative(x));
        };
    }

    /** exp(-scale x^2). */
    private static Tensor gaussianKernel(Tensor x, double scale) {
        return unary(UnaryOp.EXP, mul(mul(x, x), -scale));
    }

    /** d/dx [x Phi(x)] = Phi(x) + x phi(x), Phi(x) = (1 + erf(x/sqrt2))/2, phi(x) = exp(-x^2/2)/sqrt(2 pi). */
    private static Tensor geluErfDerivative(Tensor x) {
        Tensor cdf = mul(add(unary(UnaryOp.ERF, mul(x, INV_SQRT_2)), 1.0), 0.5);
        Tensor pdf = mul(gaussianKernel(x, 0.5), INV_SQRT_2PI);
        return add(cdf, mul(x, pdf));
    }

    /** d/dx [x s(a x)] = s + a x s (1 - s), s = sigmoid(a x), a = 1.702. */
    private static Tensor geluSigmoidDerivative(Tensor x) {
        Tensor s = unary(UnaryOp.SIGMOID, mul(x, GELU_SIGMOID_SCALE));
        Tensor ds = mul(mul(s, rsub(1.0, s)), mul(x, GELU_SIGMOID_SCALE));
        return add(s, ds);
    }

    /** u = c (x + k x^3), t = tanh u: d/dx [x (1 + t) / 2] = (1 + t)/2 + x (1 - t^2) c (1 + 3 k x^2) / 2. */
    private static Tensor geluTanhDerivative(Tensor x) {
        Tensor x2 = mul(x, x);
        Tensor u = mul(mul(x, add(mul(x2, TANH_CUBIC), 1.0)), TANH_SCALE);
        Tensor t = unary(UnaryOp.TANH, u);
        Tensor du = mul(add(mul(x2, 3.0 * TANH_CUBIC), 1.0), TANH_SCALE);
        Tensor second = mul(mul(mul(x, rsub(1.0, mul(t, t))), du), 0.5);
        return add(mul(add(t, 1.0), 0.5), second);
    }
}
