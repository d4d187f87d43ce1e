package dev.tessel.kernels.cpu;

import dev.tessel.kernels.reference.ReferenceMaskedAttention;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Dense masked attention on the Cpu backend: the maths of {@link ReferenceMaskedAttention} in
 * float on dense arrays, one (batch, head) pair per task. Masked keys are skipped, not scored at
 * -inf, so a sparse mask also saves the dot products. The backward recomputes each row's
 * probabilities (no [T,T] matrix is kept) and accumulates dk/dv within the task that owns the
 * (batch, head), so no two threads write the same element. F64 runs the reference loops.
 */
final class CpuMaskedAttention {
    private CpuMaskedAttention() {}

    static Tensor forward(Tensor q, Tensor k, Tensor v, Tensor mask) {
        var d = ReferenceMaskedAttention.Dims.check("maskedAttention", q, k, v, mask);
        if (q.dtype() == DType.F64) return ReferenceMaskedAttention.forward(q, k, v, mask);
        Inputs in = Inputs.of(q, k, v, mask, d);
        float[] out = new float[d.b() * d.h() * d.tq() * d.dv()];
        CpuThreads.parallelFor(d.b() * d.h(), 1, (from, to) -> {
            float[] p = new float[d.tk()];
            for (int bh = from; bh < to; bh++) {
                for (int i = 0; i < d.tq(); i++) {
                    if (!in.probabilities(bh, i, p)) continue;
                    int o = (bh * d.tq() + i) * d.dv();
                    for (int j = 0; j < d.tk(); j++) {
                        float pj = p[j];
                        if (pj == 0f) continue;
                        int vj = (bh * d.tk() + j) * d.dv();
                        for (int e = 0; e < d.dv(); e++) out[o + e] += pj * in.v[vj + e];
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
            float[] p = new float[d.tk()], dp = new float[d.tk()];
            for (int bh = from; bh < to; bh++) {
                for (int i = 0; i < d.tq(); i++) {
                    if (!in.probabilities(bh, i, p)) continue;
                    int gi = (bh * d.tq() + i) * d.dv(), qi = (bh * d.tq() + i) * d.d();
                    // dP[j] = dO_i·v_j and dv_j += P[j] dO_i
                    float rowDot = 0f;
                    for (int j = 0; j < d.tk(); j++) {
                        float pj = p[j];
                        if (pj == 0f) continue;
                        int vj = (bh * d.tk() + j) * d.dv();
                        float acc = 0f;
                        for (int e = 0; e < d.dv(); e++) {
                            acc += g[gi + e] * in.v[vj + e];
                            dv[vj + e] += pj * g[gi + e];
                        }
                        dp[j] = acc;
                        rowDot += pj * acc;
                    }
                    // dS[j] = P[j] (dP[j] - rowDot); dq_i += dS k_j / √D; dk_j += dS q_i / √D
                    for (int j = 0; j < d.tk(); j++) {
                        float pj = p[j];
                        if (pj == 0f) continue;
                        float ds = pj * (dp[j] - rowDot) * scale;
                        int kj = (bh * d.tk() + j) * d.d();
                        for (int c = 0; c < d.d(); c++) {
                            dq[qi + c] += ds * in.k[kj + c];
                            dk[kj + c] += ds * in.q[qi + c];
                        }
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

    /** Dense float copies of the inputs; the mask as booleans [Tq*Tk]. */
    private record Inputs(float[] q, float[] k, float[] v, boolean[] visible, ReferenceMaskedAttention.Dims d) {
        static Inputs of(Tensor q, Tensor k, Tensor v, Tensor mask, ReferenceMaskedAttention.Dims d) {
            boolean[] visible = new boolean[d.tq() * d.tk()];
            for (int f = 0; f < visible.length; f++) visible[f] = mask.getLong(f) != 0;
            return new Inputs(CpuFloatArrays.read(q), CpuFloatArrays.read(k), CpuFloatArrays.read(v), visible, d);
        }

        /** Row i's attention weights into p (0 where masked); false when the row sees no key. */
        boolean probabilities(int bh, int i, float[] p) {
            int tk = d.tk(), width = d.d(), qi = (bh * d.tq() + i) * width;
            float scale = (float) (1.0 / Math.sqrt(width)), max = Float.NEGATIVE_INFINITY;
            boolean any = false;
            for (int j = 0; j < tk; j++) {
                if (!visible[i * tk + j]) continue;
                int kj = (bh * tk + j) * width;
                float s = 0f;
                for (int c = 0; c < width; c++) s += q[qi + c] * k[kj + c];
                p[j] = s * scale;
                max = Math.max(max, p[j]);
                any = true;
            }
            if (!any) return false;
            float sum = 0f;
            for (int j = 0; j < tk; j++) {
                float e = visible[i * tk + j] ? (float) Math.exp(p[j] - max) : 0f;
                p[j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < tk; j++) p[j] *= inv;
            return true;
        }
    }
}
