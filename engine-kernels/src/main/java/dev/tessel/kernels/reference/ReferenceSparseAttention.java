package dev.tessel.kernels.reference;

import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.kernels.attention.SparseAttentionShapes;
import dev.tessel.tensor.Tensor;

/**
 * Block-sparse attention on the Reference backend: the oracle of the fast kernels. Plain loops in
 * double over exactly the pairs the {@link BlockLayout}'s tiles make visible (so a layout bug shows
 * up as a difference from dense {@link ReferenceMaskedAttention} with the pattern's explicit mask),
 * q, k, v read and results written in sequence order through the layout's kernel order.
 *
 * <p>The backward pass recomputes the attention weights from q and k and ignores the {@code out}
 * and {@code logSumExp} it is handed (it only checks their shapes): an oracle must not trust the
 * forward statistics of the kernel under test.
 */
public final class ReferenceSparseAttention {
    private ReferenceSparseAttention() {}

    /** {out [B,H,N,Dv], logSumExp [B,H,N]}: see {@link SparseAttentionShapes} for the layout. */
    public static Tensor[] forward(Tensor q, Tensor k, Tensor v, BlockLayout layout) {
        var s = SparseAttentionShapes.check("sparseAttention", q, k, v, layout);
        int n = s.length(), dv = s.dv();
        Tensor out = Tensor.zeros(s.dtype(), s.batch(), s.heads(), n, dv);
        Tensor lse = Tensor.zeros(SparseAttentionShapes.statsDtype(s.dtype()), s.batch(), s.heads(), n);
        Row row = new Row(layout, n);
        for (int bh = 0; bh < s.batch() * s.heads(); bh++) {
            for (int p = 0; p < n; p++) {
                int i = row.order[p];
                long lseAt = (long) bh * n + i;
                if (!row.probabilities(q, k, s, bh, p)) {
                    lse.setDouble(lseAt, Double.NEGATIVE_INFINITY);
                    continue;
                }
                lse.setDouble(lseAt, row.logSumExp);
                for (int e = 0; e < dv; e++) {
                    double acc = 0;
                    for (int c = 0; c < row.count; c++) acc += row.p[c] * v.getDouble(flat(bh, row.keys[c], e, n, dv));
                    out.setDouble(flat(bh, i, e, n, dv), acc);
                }
            }
        }
        return new Tensor[] {out, lse};
    }

    /** {dq, dk, dv} of sum(out * gradOut). */
    public static Tensor[] backward(Tensor q, Tensor k, Tensor v, BlockLayout layout, Tensor out, Tensor logSumExp, Tensor gradOut) {
        var s = SparseAttentionShapes.check("sparseAttentionBackward", q, k, v, layout);
        s.checkBackward("sparseAttentionBackward", out, logSumExp, gradOut);
        int n = s.length(), d = s.d(), dv = s.dv(), bhCount = s.batch() * s.heads();
        double scale = 1.0 / Math.sqrt(d);
        double[] dq = new double[bhCount * n * d], dk = new double[bhCount * n * d], dvAcc = new double[bhCount * n * dv];
        double[] dp = new double[n];
        Row row = new Row(layout, n);
        for (int bh = 0; bh < bhCount; bh++) {
            for (int p = 0; p < n; p++) {
                if (!row.probabilities(q, k, s, bh, p)) continue;
                int i = row.order[p];
                // dP[c] = dO_i·v_c;  dv_c += P[c] dO_i;  dS[c] = P[c] (dP[c] - sum P dP)
                double rowDot = 0;
                for (int c = 0; c < row.count; c++) {
                    int j = row.keys[c];
                    double acc = 0;
                    for (int e = 0; e < dv; e++) {
                        double g = gradOut.getDouble(flat(bh, i, e, n, dv));
                        acc += g * v.getDouble(flat(bh, j, e, n, dv));
                        dvAcc[(int) flat(bh, j, e, n, dv)] += row.p[c] * g;
                    }
                    dp[c] = acc;
                    rowDot += row.p[c] * acc;
                }
                for (int c = 0; c < row.count; c++) {
                    int j = row.keys[c];
                    double ds = row.p[c] * (dp[c] - rowDot) * scale;
                    for (int x = 0; x < d; x++) {
                        dq[(int) flat(bh, i, x, n, d)] += ds * k.getDouble(flat(bh, j, x, n, d));
                        dk[(int) flat(bh, j, x, n, d)] += ds * q.getDouble(flat(bh, i, x, n, d));
                    }
                }
            }
        }
        return new Tensor[] {filled(dq, q), filled(dk, k), filled(dvAcc, v)};
    }

    private static long flat(int bh, int t, int c, int n, int width) { return ((long) bh * n + t) * width + c; }

    private static Tensor filled(double[] values, Tensor like) {
        Tensor t = Tensor.zeros(like.dtype(), like.shape());
        for (int f = 0; f < values.length; f++) t.setDouble(f, values[f]);
        return t;
    }

    /** One query's visible keys (as sequence positions) and attention weights, reused across rows. */
    private static final class Row {
        final BlockLayout layout;
        final int[] order, kernelKeys, keys;
        final double[] p;
        int count;
        double logSumExp;

        Row(BlockLayout layout, int n) {
            this.layout = layout;
            this.order = layout.order();
            this.kernelKeys = new int[n];
            this.keys = new int[n];
            this.p = new double[n];
        }

        /** Weights of kernel query p over its visible keys; false when it sees none. */
        boolean probabilities(Tensor q, Tensor k, SparseAttentionShapes s, int bh, int kernelQuery) {
            int n = s.length(), d = s.d(), i = order[kernelQuery];
            count = layout.visibleKeys(kernelQuery, kernelKeys);
            if (count == 0) return false;
            double scale = 1.0 / Math.sqrt(d), max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < count; c++) {
                int j = order[kernelKeys[c]];
                keys[c] = j;
                double dot = 0;
                for (int x = 0; x < d; x++) dot += q.getDouble(flat(bh, i, x, n, d)) * k.getDouble(flat(bh, j, x, n, d));
                p[c] = dot * scale;
                max = Math.max(max, p[c]);
            }
            double sum = 0;
            for (int c = 0; c < count; c++) {
                p[c] = Math.exp(p[c] - max);
                sum += p[c];
            }
            for (int c = 0; c < count; c++) p[c] /= sum;
            logSumExp = max + Math.log(sum);
            return true;
        }
    }
}
