package dev.tessel.kernels.reference;

import dev.tessel.tensor.Tensor;

/**
 * The dVAE pixel ops (FORMAT.md 3.3, openai/DALL-E dall_e/utils.py) on the Reference backend,
 * in double: map_pixels, unmap_pixels and the logit-Laplace negative log-likelihood
 *
 * <pre>  nll(x; mu, ln b) = ln(2b) + ln x + ln(1-x) + |logit(x) - mu| / b,   b = exp(ln b),  x in (0,1)</pre>
 *
 * x is data (mapped pixels), so the backward gives gradients for mu and ln b only. The
 * derivative of |.| at 0 is taken as 0, as torch does.
 */
public final class ReferenceLogitLaplace {
    private ReferenceLogitLaplace() {}

    /** (1 - 2 eps) x + eps: squeezes [0,1] into [eps, 1-eps] where the logit is finite. */
    public static Tensor mapPixels(Tensor x, double eps) {
        checkFloat("mapPixels", x);
        checkEps("mapPixels", eps);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        for (long f = 0; f < x.numel(); f++) out.setDouble(f, (1 - 2 * eps) * x.getDouble(f) + eps);
        return out;
    }

    /** clamp((y - eps) / (1 - 2 eps), 0, 1). */
    public static Tensor unmapPixels(Tensor y, double eps) {
        checkFloat("unmapPixels", y);
        checkEps("unmapPixels", eps);
        Tensor out = Tensor.zeros(y.dtype(), y.shape());
        for (long f = 0; f < y.numel(); f++) out.setDouble(f, Math.clamp((y.getDouble(f) - eps) / (1 - 2 * eps), 0.0, 1.0));
        return out;
    }

    /** Elementwise NLL, shape of x. */
    public static Tensor nll(Tensor x, Tensor mu, Tensor lnB) {
        checkTriple("logitLaplaceNll", x, mu, lnB);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        for (long f = 0; f < x.numel(); f++) out.setDouble(f, nllAt(x.getDouble(f), mu.getDouble(f), lnB.getDouble(f)));
        return out;
    }

    /** The NLL summed over every element, accumulated in double: shape [1]. */
    public static Tensor nllSum(Tensor x, Tensor mu, Tensor lnB) {
        checkTriple("logitLaplaceNllSum", x, mu, lnB);
        double sum = 0;
        for (long f = 0; f < x.numel(); f++) sum += nllAt(x.getDouble(f), mu.getDouble(f), lnB.getDouble(f));
        Tensor out = Tensor.zeros(x.dtype(), 1);
        out.setDouble(0, sum);
        return out;
    }

    /**
     * {d/dmu, d/dlnB} of sum(nll * gradOut); gradOut broadcasts to x's shape (a [1] tensor is the
     * upstream gradient of {@link #nllSum}).
     */
    public static Tensor[] backward(Tensor x, Tensor mu, Tensor lnB, Tensor gradOut) {
        checkTriple("logitLaplaceNllBackward", x, mu, lnB);
        Tensor g = broadcastGrad("logitLaplaceNllBackward", gradOut, x);
        Tensor dMu = Tensor.zeros(x.dtype(), x.shape()), dLnB = Tensor.zeros(x.dtype(), x.shape());
        for (long f = 0; f < x.numel(); f++) {
            double xv = x.getDouble(f), invB = Math.exp(-lnB.getDouble(f)), up = g.getDouble(f);
            double r = Math.log(xv) - Math.log1p(-xv) - mu.getDouble(f);
            dMu.setDouble(f, -Math.signum(r) * invB * up);
            dLnB.setDouble(f, (1 - Math.abs(r) * invB) * up);
        }
        return new Tensor[] {dMu, dLnB};
    }

    static double nllAt(double x, double mu, double lnB) {
        double lnX = Math.log(x), ln1mX = Math.log1p(-x);
        return Math.log(2) + lnB + lnX + ln1mX + Math.abs(lnX - ln1mX - mu) * Math.exp(-lnB);
    }

    /** gradOut viewed at x's shape; it must broadcast to exactly that shape and share x's dtype. */
    public static Tensor broadcastGrad(String op, Tensor gradOut, Tensor x) {
        boolean ok = gradOut.dtype() == x.dtype();
        if (ok) {
            try {
                ok = dev.tessel.tensor.Shape.broadcast(op, gradOut.shape(), x.shape()).equals(x.shape());
            } catch (IllegalArgumentException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": gradOut " + gradOut.dtype() + gradOut.shape()
                    + " does not broadcast to x " + x.dtype() + x.shape());
        }
        return gradOut.expand(x.shape().toArray());
    }

    public static void checkFloat(String op, Tensor x) {
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(op + ": expected a float tensor, got " + x.dtype() + x.shape());
    }

    public static void checkEps(String op, double eps) {
        if (!(eps >= 0 && eps < 0.5)) throw new IllegalArgumentException(op + ": eps must be in [0, 0.5), got " + eps);
    }

    public static void checkTriple(String op, Tensor x, Tensor mu, Tensor lnB) {
        checkFloat(op, x);
        if (!mu.shape().equals(x.shape()) || !lnB.shape().equals(x.shape()) || mu.dtype() != x.dtype() || lnB.dtype() != x.dtype()) {
            throw new IllegalArgumentException(op + ": x " + x.dtype() + x.shape() + ", mu " + mu.dtype() + mu.shape() + " and ln_b "
                    + lnB.dtype() + lnB.shape() + " must share one shape and dtype");
        }
    }
}
