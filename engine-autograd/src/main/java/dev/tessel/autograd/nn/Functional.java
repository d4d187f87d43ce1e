// Functional: differentiable DALL·E ops (gumbel-softmax, masked attention, the dVAE pixel
// likelihood), each one Variable.fromOp node over the Backend kernels with its backward rule.
//
// Invariant: a forward computes on Autograd.currentBackend(); its rule runs later on the same
// backend (the tape opens that scope) and only reads tensors captured at forward time, which
// are never modified. Noise, masks and pixel targets are data: they get no gradient.
package dev.tessel.autograd.nn;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.util.List;

/** Autograd rules for the ops of FORMAT.md 3.3, 3.4 and 3.6. */
public final class Functional {
    /** DALL·E's logit-Laplace epsilon (dall_e/utils.py logit_laplace_eps). */
    public static final double LOGIT_LAPLACE_EPS = 0.1;

    private Functional() {}

    private static Backend be() { return Autograd.currentBackend(); }

    // ---------------------------------------------------------------- gumbel-softmax (FORMAT.md 3.4)

    /** Soft sample y = softmax((logits - ln(-ln u)) / tau, axis); u is uniform noise in (0,1) shaped like logits. */
    public static Variable gumbelSoftmax(Variable logits, Tensor u, double tau, int axis) {
        Tensor y = be().gumbelSoftmax(logits.value(), u, tau, axis);
        return Variable.fromOp("gumbelSoftmax", y, List.of(logits), g -> new Tensor[] {be().gumbelSoftmaxBackward(y, g, tau, axis)});
    }

    /**
     * Straight-through sample: the forward value is the one-hot of argmax(y) exactly, the gradient
     * is that of the soft y (one_hot + y - stopgrad(y)).
     */
    public static Variable gumbelSoftmaxHard(Variable logits, Tensor u, double tau, int axis) {
        Tensor y = be().gumbelSoftmax(logits.value(), u, tau, axis);
        Tensor hot = be().argmaxOneHot(y, axis);
        return Variable.fromOp("gumbelSoftmaxHard", hot, List.of(logits), g -> new Tensor[] {be().gumbelSoftmaxBackward(y, g, tau, axis)});
    }

    /**
     * Gumbel-softmax (soft, or straight-through when {@code hard}) with the noise drawn from the
     * Philox stream (seed, offset) in logical row-major order; the draw uses
     * Philox.blocks(logits.numel()) counters, so the next independent draw starts at offset + that.
     */
    public static Variable gumbelSoftmax(Variable logits, long seed, long offset, double tau, int axis, boolean hard) {
        Tensor u = gumbelNoise(logits.value(), seed, offset);
        return hard ? gumbelSoftmaxHard(logits, u, tau, axis) : gumbelSoftmax(logits, u, tau, axis);
    }

    /**
     * Uniform noise in (0,1) shaped and typed like {@code logits}, from Philox. F32 or F64 only: a
     * 16-bit dtype can round a draw to exactly 0 or 1, where the Gumbel transform is infinite.
     */
    public static Tensor gumbelNoise(Tensor logits, long seed, long offset) {
        if (logits.dtype() != DType.F32 && logits.dtype() != DType.F64) {
            throw new IllegalArgumentException("gumbelSoftmax: Philox noise needs F32 or F64 logits, got " + logits.dtype() + logits.shape()
                    + " (a 16-bit draw can round to 0 or 1; cast the logits to F32 first)");
        }
        Tensor u = Tensor.zeros(logits.dtype(), logits.shape());
        Philox.fillUniform(u, seed, offset);
        return u;
    }

    // ---------------------------------------------------------------- masked attention (FORMAT.md 3.6)

    /**
     * softmax(q·kᵀ/√D, masked where mask == 0)·v over keys: q [B,H,Tq,D], k [B,H,Tk,D],
     * v [B,H,Tk,Dv], mask [Tq,Tk] U8/BOOL (1 = may attend) -> [B,H,Tq,Dv]. The rule recomputes
     * the attention weights from q and k rather than keeping the [Tq,Tk] matrix.
     */
    public static Variable maskedAttention(Variable q, Variable k, Variable v, Tensor mask) {
        Tensor qv = q.value(), kv = k.value(), vv = v.value();
        Tensor out = be().maskedAttention(qv, kv, vv, mask);
        return Variable.fromOp("maskedAttention", out, List.of(q, k, v), g -> be().maskedAttentionBackward(qv, kv, vv, mask, g));
    }

    /**
     * Block-sparse self-attention (the DALL·E layers, {@link BlockLayout}): q [B,H,N,D],
     * k [B,H,N,D], v [B,H,N,Dv] -> [B,H,N,Dv], the same values as {@link #maskedAttention} with
     * layout.denseMask() but with a cost that follows the visible tiles. The rule keeps the output
     * and the per-query log-sum-exp (N floats per head), never the [N,N] weights.
     */
    public static Variable sparseAttention(Variable q, Variable k, Variable v, BlockLayout layout) {
        Tensor qv = q.value(), kv = k.value(), vv = v.value();
        Tensor[] result = be().sparseAttention(qv, kv, vv, layout);
        Tensor out = result[0], logSumExp = result[1];
        return Variable.fromOp("sparseAttention", out, List.of(q, k, v),
                g -> be().sparseAttentionBackward(qv, kv, vv, layout, out, logSumExp, g));
    }

    // ---------------------------------------------------------------- dVAE pixels (FORMAT.md 3.3)

    /** map_pixels: (1 - 2 eps) x + eps; the gradient is (1 - 2 eps) g. */
    public static Variable mapPixels(Variable x, double eps) {
        Tensor y = be().mapPixels(x.value(), eps);
        return Variable.fromOp("mapPixels", y, List.of(x), g -> new Tensor[] {scaled(g, 1 - 2 * eps)});
    }

    /** unmap_pixels: clamp((y - eps) / (1 - 2 eps), 0, 1); not differentiated (it only turns reconstructions into images). */
    public static Tensor unmapPixels(Tensor y, double eps) { return be().unmapPixels(y, eps); }

    /** Elementwise logit-Laplace NLL of the pixels x (data, in (0,1)) under location mu and log-scale lnB. */
    public static Variable logitLaplaceNll(Tensor x, Variable mu, Variable lnB) {
        Tensor mv = mu.value(), bv = lnB.value();
        Tensor nll = be().logitLaplaceNll(x, mv, bv);
        return Variable.fromOp("logitLaplaceNll", nll, List.of(mu, lnB), g -> be().logitLaplaceNllBackward(x, mv, bv, g));
    }

    /** The same NLL summed over every element (accumulated in double): shape [1]. */
    public static Variable logitLaplaceNllSum(Tensor x, Variable mu, Variable lnB) {
        Tensor mv = mu.value(), bv = lnB.value();
        Tensor nll = be().logitLaplaceNllSum(x, mv, bv);
        return Variable.fromOp("logitLaplaceNllSum", nll, List.of(mu, lnB), g -> be().logitLaplaceNllBackward(x, mv, bv, g));
    }

    private static Tensor scaled(Tensor g, double s) {
        try (Tensor factor = Tensor.full(g.dtype(), s)) {
            return be().binary(BinaryOp.MUL, g, factor);
        }
    }
}
