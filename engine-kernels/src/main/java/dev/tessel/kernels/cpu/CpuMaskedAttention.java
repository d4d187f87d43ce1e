package dev.tessel.kernels.cpu;

import dev.tessel.kernels.reference.ReferenceMaskedAttention;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense masked attention on the Cpu backend: the maths of {@link ReferenceMaskedAttention} in
 * float, one (batch, head) pair per task. Every inner loop is a Vector API axpy with no lane
 * reduction: a row's scores are q_i·Kᵀ computed as sum_c q[c]·Kᵀ[c, :] over a per-task
 * transposed copy of K (and dP = dO_i·Vᵀ likewise), and only up to the row's last visible key,
 * so a causal mask skips the upper triangle. The backward recomputes each row's probabilities
 * (no [Tq,Tk] matrix is kept) and accumulates dk/dv in the task that owns the (batch, head), so no
 * two threads write one element. F64 runs the reference loops.
 */
final class CpuMaskedAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private CpuMaskedAttention() {}

    static Tensor forward(Tensor q, Tensor k, Tensor v, Tensor mask) {
        var d = ReferenceMaskedAttention.Dims.check("maskedAttention", q, k, v, mask);
        if (q.dtype() == DType.F64) return ReferenceMaskedAttention.forward(q, k, v, mask);
        Inputs in = Inputs.of(q, k, v, mask, d);
        float[] out = new float[d.b() * d.h() * d.tq() * d.dv()];
        CpuThreads.parallelFor(d.b() * d.h(), 1, (from, to) -> {
            float[] p = new float[d.tk()], kT = new float[d.d() * d.tk()];
            for (int bh = from; bh < to; bh++) {
                in.transposeKeys(bh, in.k, d.d(), kT);
                for (int i = 0; i < d.tq(); i++) {
                    int end = in.probabilities(bh, i, kT, p);
                    int o = (bh * d.tq() + i) * d.dv();
                    for (int j = 0; j < end; j++) {
                        if (p[j] != 0f) axpy(p[j], in.v, (bh * d.tk() + j) * d.dv(), out, o, d.dv());
                    }
                }
            }
        });
        return CpuFloatArrays.write(out, q.dtype(), d.b(), d.h(), d.tq(), d.dv());
    }

    static Tensor[] backward(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor gradOut) {
        var d = ReferenceMaskedAttention.Dims.check("maskedAttentionBackward", q, k, v, mask);
        d.checkGradOut("maskedAttentionBackward", gradOut, q.dtype());
        if (q.dtype() == DType.F64) return ReferenceMaskedAttention.backward(q, k, v, mask, gradOut);
        Inputs in = Inputs.of(q, k, v, mask, d);
        float[] g = CpuFloatArrays.read(gradOut);
        float[] dq = new float[in.q.length], dk = new float[in.k.length], dv = new float[in.v.length];
        float scale = (float) (1.0 / Math.sqrt(d.d()));
        CpuThreads.parallelFor(d.b() * d.h(), 1, (from, to) -> {
            int tk = d.tk();
            float[] p = new float[tk], dp = new float[tk], kT = new float[d.d() * tk], vT = new float[d.dv() * tk];
            for (int bh = from; bh < to; bh++) {
                in.transposeKeys(bh, in.k, d.d(), kT);
                in.transposeKeys(bh, in.v, d.dv(), vT);
                for (int i = 0; i < d.tq(); i++) {
                    int end = in.probabilities(bh, i, kT, p);
                    if (end == 0) continue;
                    int gi = (bh * d.tq() + i) * d.dv(), qi = (bh * d.tq() + i) * d.d();
                    // dP[j] = dO_i·v_j over the visible prefix; dv_j += P[j] dO_i
                    java.util.Arrays.fill(dp, 0, end, 0f);
                    for (int e = 0; e < d.dv(); e++) axpy(g[gi + e], vT, e * tk, dp, 0, end);
                    float rowDot = 0f;
                    for (int j = 0; j < end; j++) {
                        if (p[j] == 0f) continue;
                        rowDot += p[j] * dp[j];
                        axpy(p[j], g, gi, dv, (bh * tk + j) * d.dv(), d.dv());
                    }
                    // dS[j] = P[j] (dP[j] - rowDot); dq_i += dS k_j / √D; dk_j += dS q_i / √D
                    for (int j = 0; j < end; j++) {
                        if (p[j] == 0f) continue;
                        float ds = p[j] * (dp[j] - rowDot) * scale;
                        int kj = (bh * tk + j) * d.d();
                        axpy(ds, in.k, kj, dq, qi, d.d());
                        axpy(ds, in.q, qi, dk, kj, d.d());
                    }
                }
            }
        });
        DType t = q.dtype();
        return new Tensor[] {
            CpuFloatArrays.write(dq, t, q.shape().toArray()),
            CpuFloatArrays.write(dk, t, k.shape().toArray()),
            CpuFloatArrays.write(dv, t, v.shape().toArray())
        };
    }

    /** y[yo .. yo+n) += a · x[xo .. xo+n). */
    private static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            av.fma(FloatVector.fromArray(S, x, xo + i), FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    /** Dense float copies of the inputs; the mask as booleans [Tq*Tk] and each query row's visible-key bound. */
    private record Inputs(float[] q, float[] k, float[] v, boolean[] visible, int[] rowEnd, ReferenceMaskedAttention.Dims d) {
        static Inputs of(Tensor q, Tensor k, Tensor v, Tensor mask, ReferenceMaskedAttention.Dims d) {
            int tq = d.tq(), tk = d.tk();
            boolean[] visible = new boolean[tq * tk];
            int[] rowEnd = new int[tq];
            for (int i = 0; i < tq; i++) {
                for (int j = 0; j < tk; j++) {
                    if (mask.getLong((long) i * tk + j) != 0) {
                        visible[i * tk + j] = true;
                        rowEnd[i] = j + 1;
                    }
                }
            }
            return new Inputs(CpuFloatArrays.read(q), CpuFloatArrays.read(k), CpuFloatArrays.read(v), visible, rowEnd, d);
        }

        /** out [width, Tk] = the (batch, head) slice of x [.., Tk, width], transposed. */
        void transposeKeys(int bh, float[] x, int width, float[] out) {
            int tk = d.tk();
            for (int j = 0; j < tk; j++) {
                int base = (bh * tk + j) * width;
                for (int c = 0; c < width; c++) out[c * tk + j] = x[base + c];
            }
        }

        /**
         * Row i's attention weights into p[0 .. end) (0 where masked) and returns end, the row's
         * visible-key bound; 0 when the row sees no key.
         */
        int probabilities(int bh, int i, float[] kT, float[] p) {
            int end = rowEnd[i], tk = d.tk(), width = d.d(), qi = (bh * d.tq() + i) * width;
            if (end == 0) return 0;
            float scale = (float) (1.0 / Math.sqrt(width));
            java.util.Arrays.fill(p, 0, end, 0f);
            for (int c = 0; c < width; c++) axpy(q[qi + c] * scale, kT, c * tk, p, 0, end);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < end; j++) if (visible[i * tk + j]) max = Math.max(max, p[j]);
            float sum = 0f;
            for (int j = 0; j < end; j++) {
                float e = visible[i * tk + j] ? (float) Math.exp(p[j] - max) : 0f;
                p[j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < end; j++) p[j] *= inv;
            return end;
        }
    }
}
