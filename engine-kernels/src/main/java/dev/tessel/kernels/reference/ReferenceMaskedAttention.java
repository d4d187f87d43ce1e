package dev.tessel.kernels.reference;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Dense attention with an explicit boolean mask (FORMAT.md 3.6) on the Reference backend: plain
 * loops in double, the oracle for the Cpu kernel and, later, for the block-sparse kernels.
 *
 * <p>q [B,H,Tq,D], k [B,H,Tk,D], v [B,H,Tk,Dv], mask [Tq,Tk] U8/BOOL with 1 = query i may attend
 * to key j. out[b,h,i] = sum_j P[i,j] v[j] with P = softmax over the visible j of q_i·k_j/√D.
 * A query row that sees no key gets a zero output and zero gradients (never NaN). The backward
 * pass recomputes P from q and k instead of storing the [Tq,Tk] matrix, so the tape keeps only
 * the inputs.
 */
public final class ReferenceMaskedAttention {
    private ReferenceMaskedAttention() {}

    public static Tensor forward(Tensor q, Tensor k, Tensor v, Tensor mask) {
        Dims d = Dims.check("maskedAttention", q, k, v, mask);
        Tensor out = Tensor.zeros(q.dtype(), d.b, d.h, d.tq, d.dv);
        double[] p = new double[d.tk];
        for (int bh = 0; bh < d.b * d.h; bh++) {
            for (int i = 0; i < d.tq; i++) {
                if (!probabilities(q, k, mask, d, bh, i, p)) continue;
                for (int e = 0; e < d.dv; e++) {
                    double acc = 0;
                    for (int j = 0; j < d.tk; j++) acc += p[j] * v.getDouble(d.kvFlat(bh, j, e, d.dv));
                    out.setDouble(d.qFlat(bh, i, e, d.dv), acc);
                }
            }
        }
        return out;
    }

    /** Gradients {dq, dk, dv} of sum(out * gradOut); gradOut has the shape of the output [B,H,Tq,Dv]. */
    public static Tensor[] backward(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor gradOut) {
        Dims d = Dims.check("maskedAttentionBackward", q, k, v, mask);
        d.checkGradOut("maskedAttentionBackward", gradOut, q.dtype());
        Tensor dq = Tensor.zeros(q.dtype(), q.shape()), dk = Tensor.zeros(k.dtype(), k.shape()), dv = Tensor.zeros(v.dtype(), v.shape());
        double scale = 1.0 / Math.sqrt(d.d);
        double[] p = new double[d.tk], dp = new double[d.tk];
        double[] dqAcc = new double[d.b * d.h * d.tq * d.d];
        double[] dkAcc = new double[d.b * d.h * d.tk * d.d];
        double[] dvAcc = new double[d.b * d.h * d.tk * d.dv];
        for (int bh = 0; bh < d.b * d.h; bh++) {
            for (int i = 0; i < d.tq; i++) {
                if (!probabilities(q, k, mask, d, bh, i, p)) continue;
                // dP[j] = dO_i·v_j; dS[j] = P[j] (dP[j] - sum_j' P[j'] dP[j'])
                double rowDot = 0;
                for (int j = 0; j < d.tk; j++) {
                    if (p[j] == 0) {
                        dp[j] = 0;
                        continue;
                    }
                    double acc = 0;
                    for (int e = 0; e < d.dv; e++) {
                        double g = gradOut.getDouble(d.qFlat(bh, i, e, d.dv));
                        acc += g * v.getDouble(d.kvFlat(bh, j, e, d.dv));
                        dvAcc[(int) d.kvFlat(bh, j, e, d.dv)] += p[j] * g;
                    }
                    dp[j] = acc;
                    rowDot += p[j] * acc;
                }
                for (int j = 0; j < d.tk; j++) {
                    if (p[j] == 0) continue;
                    double ds = p[j] * (dp[j] - rowDot) * scale;
                    for (int c = 0; c < d.d; c++) {
                        dqAcc[(int) d.qFlat(bh, i, c, d.d)] += ds * k.getDouble(d.kvFlat(bh, j, c, d.d));
                        dkAcc[(int) d.kvFlat(bh, j, c, d.d)] += ds * q.getDouble(d.qFlat(bh, i, c, d.d));
                    }
                }
            }
        }
        fill(dq, dqAcc);
        fill(dk, dkAcc);
        fill(dv, dvAcc);
        return new Tensor[] {dq, dk, dv};
    }

    /** Fills p with row i's attention weights; false (and p all 0) when the row sees no key. */
    private static boolean probabilities(Tensor q, Tensor k, Tensor mask, Dims d, int bh, int i, double[] p) {
        double scale = 1.0 / Math.sqrt(d.d), max = Double.NEGATIVE_INFINITY;
        boolean any = false;
        for (int j = 0; j < d.tk; j++) {
            if (mask.getLong((long) i * d.tk + j) == 0) {
                p[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            double s = 0;
            for (int c = 0; c < d.d; c++) s += q.getDouble(d.qFlat(bh, i, c, d.d)) * k.getDouble(d.kvFlat(bh, j, c, d.d));
            p[j] = s * scale;
            max = Math.max(max, p[j]);
            any = true;
        }
        if (!any) {
            java.util.Arrays.fill(p, 0);
            return false;
        }
        double sum = 0;
        for (int j = 0; j < d.tk; j++) {
            p[j] = p[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(p[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < d.tk; j++) p[j] /= sum;
        return true;
    }

    private static void fill(Tensor t, double[] values) {
        for (int f = 0; f < values.length; f++) t.setDouble(f, values[f]);
    }

    /** Validated sizes; qFlat / kvFlat give logical flat indices of [bh, t, c] in a [B,H,T,width] tensor. */
    public record Dims(int b, int h, int tq, int tk, int d, int dv) {
        public static Dims check(String op, Tensor q, Tensor k, Tensor v, Tensor mask) {
            if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || mask.rank() != 2) {
                throw new IllegalArgumentException(op + ": expected q [B,H,Tq,D], k [B,H,Tk,D], v [B,H,Tk,Dv], mask [Tq,Tk], got q "
                        + q.shape() + ", k " + k.shape() + ", v " + v.shape() + ", mask " + mask.shape());
            }
            int b = q.dim(0), h = q.dim(1), tq = q.dim(2), d = q.dim(3), tk = k.dim(2), dv = v.dim(3);
            boolean shapesAgree = k.dim(0) == b && k.dim(1) == h && k.dim(3) == d
                    && v.dim(0) == b && v.dim(1) == h && v.dim(2) == tk
                    && mask.dim(0) == tq && mask.dim(1) == tk;
            if (!shapesAgree) {
                throw new IllegalArgumentException(op + ": shapes do not agree: q " + q.shape() + ", k " + k.shape() + ", v "
                        + v.shape() + ", mask " + mask.shape() + " (want k [B,H,Tk,D], v [B,H,Tk,Dv], mask [Tq,Tk])");
            }
            if (!q.dtype().isFloating() || k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
                throw new IllegalArgumentException(op + ": q, k, v must share one float dtype, got " + q.dtype() + ", "
                        + k.dtype() + ", " + v.dtype());
            }
            if (mask.dtype() != DType.U8 && mask.dtype() != DType.BOOL) {
                throw new IllegalArgumentException(op + ": mask must be U8 or BOOL (1 = attend), got " + mask.dtype() + mask.shape());
            }
            if (d == 0) throw new IllegalArgumentException(op + ": head width D is 0 in q " + q.shape());
            return new Dims(b, h, tq, tk, d, dv);
        }

        public void checkGradOut(String op, Tensor gradOut, DType dtype) {
            if (gradOut.rank() != 4 || gradOut.dim(0) != b || gradOut.dim(1) != h || gradOut.dim(2) != tq
                    || gradOut.dim(3) != dv || gradOut.dtype() != dtype) {
                throw new IllegalArgumentException(op + ": gradOut " + gradOut.dtype() + gradOut.shape() + " must be " + dtype
                        + "[" + b + ", " + h + ", " + tq + ", " + dv + "]");
            }
        }

        long qFlat(int bh, int t, int c, int width) { return ((long) bh * tq + t) * width + c; }

        long kvFlat(int bh, int t, int c, int width) { return ((long) bh * tk + t) * width + c; }
    }
}
