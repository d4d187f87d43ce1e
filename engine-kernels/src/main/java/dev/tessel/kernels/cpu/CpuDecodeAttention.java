package dev.tessel.kernels.cpu;

import dev.tessel.kernels.VisibleKeys;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * KV-cached decoding's attention on the Cpu backend ({@link dev.tessel.kernels.Backend#decodeAttention}):
 * one query per (batch, head) against only its visible keys, read in place from the cache views.
 * The dense masked kernel it replaces for one-token steps copied the whole cached prefix of every
 * head, transposed the keys, and scored every key up to the last visible one (10-20% of a step).
 *
 * <p>Maths as CpuMaskedAttention's forward, in float: scores (q·scale)·k_j, softmax over the
 * visible keys with the maximum subtracted, then the weighted sum of v_j in key order; the dot
 * products are vector FMAs with a fixed-order lane sum ({@link LaneSum}), so results are
 * deterministic but not bit-equal to the masked kernel (it sums each score in another order).
 * F32 caches with unit-stride rows take this path; anything else runs the masked kernel on a
 * one-row mask. Invariant: each task owns whole (batch, head) pairs, so no output is shared.
 */
final class CpuDecodeAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Multiply-adds worth a fork-join: below this a batch-1 step's heads stay on the calling thread. */
    private static final int TASK_WORK = 1 << 15;

    private CpuDecodeAttention() {}

    static Tensor forward(Tensor q, Tensor k, Tensor v, int[] visible) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || q.dim(2) != 1 || k.dim(0) != q.dim(0) || k.dim(1) != q.dim(1)
                || k.dim(3) != q.dim(3) || v.dim(0) != q.dim(0) || v.dim(1) != q.dim(1) || v.dim(2) != k.dim(2)) {
            throw new IllegalArgumentException("decodeAttention: expected q [B,H,1,D], k [B,H,Tk,D], v [B,H,Tk,Dv], got q " + q.shape()
                    + ", k " + k.shape() + ", v " + v.shape());
        }
        int tk = k.dim(2);
        VisibleKeys.check("decodeAttention", visible, tk);
        boolean inPlace = q.dtype() == DType.F32 && k.dtype() == DType.F32 && v.dtype() == DType.F32
                && (k.dim(3) == 1 || k.stride(3) == 1) && (v.dim(3) == 1 || v.stride(3) == 1);
        if (!inPlace) return CpuMaskedAttention.forward(q, k, v, VisibleKeys.maskRow(visible, tk));

        int batch = q.dim(0), heads = q.dim(1), d = q.dim(3), dv = v.dim(3), n = visible.length;
        float[] queries = CpuFloatArrays.read(q);                               // [B*H, D], one query per head
        float[] out = new float[batch * heads * dv];
        float scale = (float) (1.0 / Math.sqrt(d));
        MemorySegment keys = k.segment(), values = v.segment();
        int grain = Math.max(1, TASK_WORK / Math.max(1, n * (d + dv)));
        CpuThreads.parallelFor(batch * heads, grain, (from, to) -> {
            float[] p = new float[n], scaled = new float[d], acc = new float[dv];
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads, h = bh % heads;
                long kHead = k.offset() + b * k.stride(0) + h * k.stride(1), vHead = v.offset() + b * v.stride(0) + h * v.stride(1);
                for (int c = 0; c < d; c++) scaled[c] = queries[bh * d + c] * scale;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    p[i] = dot(scaled, keys, (kHead + visible[i] * k.stride(2)) * 4);
                    max = Math.max(max, p[i]);
                }
                float sum = 0f;
                for (int i = 0; i < n; i++) {
                    p[i] = (float) Math.exp(p[i] - max);
                    sum += p[i];
                }
                java.util.Arrays.fill(acc, 0f);
                float inv = 1f / sum;
                for (int i = 0; i < n; i++) axpy(p[i] * inv, values, (vHead + visible[i] * v.stride(2)) * 4, acc);
                System.arraycopy(acc, 0, out, bh * dv, dv);
            }
        });
        return CpuFloatArrays.write(out, DType.F32, batch, heads, 1, dv);
    }

    /** x · the row of x.length floats at byte offset {@code at} of {@code m}. */
    private static float dot(float[] x, MemorySegment m, long at) {
        int bound = S.loopBound(x.length), c = 0;
        float sum = 0f;
        if (bound > 0) {
            FloatVector s = FloatVector.zero(S);
            for (; c < bound; c += S.length()) s = FloatVector.fromMemorySegment(S, m, at + c * 4L, ORDER).fma(FloatVector.fromArray(S, x, c), s);
            sum = LaneSum.of256(s);
        }
        for (; c < x.length; c++) sum += x[c] * m.get(FLOAT, at + c * 4L);
        return sum;
    }

    /** y += a · the row of y.length floats at byte offset {@code at} of {@code m}. */
    private static void axpy(float a, MemorySegment m, long at, float[] y) {
        FloatVector av = FloatVector.broadcast(S, a);
        int e = 0;
        for (int bound = S.loopBound(y.length); e < bound; e += S.length()) {
            av.fma(FloatVector.fromMemorySegment(S, m, at + e * 4L, ORDER), FloatVector.fromArray(S, y, e)).intoArray(y, e);
        }
        for (; e < y.length; e++) y[e] += a * m.get(FLOAT, at + e * 4L);
    }
}
