package dev.tessel.kernels.reference;

import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

/**
 * Gumbel-softmax (FORMAT.md 3.4) on the Reference backend: plain loops in double, the oracle the
 * Cpu kernels are checked against.
 *
 * <p>Soft sample y = softmax((logits + g) / tau) along one axis with g = -ln(-ln u); the noise u
 * is always an explicit tensor here (drawing it is the caller's business, so a kernel stays a pure
 * function of its inputs). The straight-through "hard" value is {@link #argmaxOneHot}; its
 * gradient is the soft one, so there is one backward kernel. Every element is addressed by its
 * logical flat index, so any strided view works.
 */
public final class ReferenceGumbelSoftmax {
    private ReferenceGumbelSoftmax() {}

    /** y = softmax((logits - ln(-ln u)) / tau, axis); u has the shape and dtype of logits. */
    public static Tensor forward(Tensor logits, Tensor u, double tau, int axis) {
        checkSameFloat("gumbelSoftmax", "logits", logits, "u", u);
        checkTau(tau);
        int a = logits.shape().normalizeAxis(axis);
        Layout l = Layout.of(logits.shape(), a);
        Tensor y = Tensor.zeros(logits.dtype(), logits.shape());
        double[] z = new double[l.n];
        for (long o = 0; o < l.outer; o++) {
            for (long i = 0; i < l.inner; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < l.n; c++) {
                    long f = l.flat(o, c, i);
                    z[c] = (logits.getDouble(f) - Math.log(-Math.log(u.getDouble(f)))) / tau;
                    max = Math.max(max, z[c]);
                }
                double sum = 0;
                for (int c = 0; c < l.n; c++) {
                    z[c] = Math.exp(z[c] - max);
                    sum += z[c];
                }
                for (int c = 0; c < l.n; c++) y.setDouble(l.flat(o, c, i), z[c] / sum);
            }
        }
        return y;
    }

    /** dL/dlogits = y * (gradY - sum_axis(gradY * y)) / tau, the softmax Jacobian scaled by 1/tau. */
    public static Tensor backward(Tensor y, Tensor gradY, double tau, int axis) {
        checkSameFloat("gumbelSoftmaxBackward", "y", y, "gradY", gradY);
        checkTau(tau);
        int a = y.shape().normalizeAxis(axis);
        Layout l = Layout.of(y.shape(), a);
        Tensor grad = Tensor.zeros(y.dtype(), y.shape());
        for (long o = 0; o < l.outer; o++) {
            for (long i = 0; i < l.inner; i++) {
                double dot = 0;
                for (int c = 0; c < l.n; c++) {
                    long f = l.flat(o, c, i);
                    dot += y.getDouble(f) * gradY.getDouble(f);
                }
                for (int c = 0; c < l.n; c++) {
                    long f = l.flat(o, c, i);
                    grad.setDouble(f, y.getDouble(f) * (gradY.getDouble(f) - dot) / tau);
                }
            }
        }
        return grad;
    }

    /** One-hot (shape and dtype of x) of the first maximum along axis: the straight-through forward value. */
    public static Tensor argmaxOneHot(Tensor x, int axis) {
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException("argmaxOneHot: x must be a float tensor, got " + x.dtype() + x.shape());
        }
        int a = x.shape().normalizeAxis(axis);
        Layout l = Layout.of(x.shape(), a);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        for (long o = 0; o < l.outer; o++) {
            for (long i = 0; i < l.inner; i++) {
                int best = 0;
                double max = x.getDouble(l.flat(o, 0, i));
                for (int c = 1; c < l.n; c++) {
                    double v = x.getDouble(l.flat(o, c, i));
                    if (v > max) {
                        max = v;
                        best = c;
                    }
                }
                if (l.n > 0) out.setDouble(l.flat(o, best, i), 1.0);
            }
        }
        return out;
    }

    static void checkSameFloat(String op, String nameA, Tensor a, String nameB, Tensor b) {
        if (!a.dtype().isFloating() || a.dtype() != b.dtype() || !a.shape().equals(b.shape())) {
            throw new IllegalArgumentException(op + ": " + nameA + " " + a.dtype() + a.shape() + " and " + nameB + " "
                    + b.dtype() + b.shape() + " must be float tensors of one shape and dtype");
        }
    }

    static void checkTau(double tau) {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("gumbelSoftmax: temperature tau must be finite and > 0, got " + tau);
        }
    }

    /** A shape seen as [outer, n, inner] around one axis; flat(o, c, i) is the logical row-major index. */
    record Layout(long outer, int n, long inner) {
        static Layout of(Shape s, int axis) {
            long outer = 1, inner = 1;
            for (int d = 0; d < axis; d++) outer *= s.dim(d);
            for (int d = axis + 1; d < s.rank(); d++) inner *= s.dim(d);
            return new Layout(outer, s.dim(axis), inner);
        }

        long flat(long o, int c, long i) { return (o * n + c) * inner + i; }
    }
}
