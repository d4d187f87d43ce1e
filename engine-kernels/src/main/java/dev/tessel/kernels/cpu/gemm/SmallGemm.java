// SmallGemm: C += A·B for products too small to repay BLIS packing (a linear layer of width 64 on
// a batch of 32 is 131k multiply-adds, ~10 us of arithmetic): both operands are staged once into
// row-major float arrays, then 4-row x 16-column register blocks accumulate rank-1 updates.
//
// Invariant: runs on the calling thread only (work this small costs less than waking a worker);
// accumulation is in float in increasing p order, like the packed path; C has unit column stride
// and is only ever added to. The arithmetic touches only Java float arrays: a heap C is updated in
// its own array, an off-heap C is staged (see multiplyAdd for why).
package dev.tessel.kernels.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

final class SmallGemm {
    /** Products up to this many multiply-adds take this path (a 64 x 64 x 256 product is 1M). */
    static final long MAX_FLOPS = 1L << 20;
    /** ...provided each staged operand fits in this many floats (256 KB, L2-resident). */
    static final int MAX_STAGED = 1 << 16;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int W = 8;
    private static final ThreadLocal<float[][]> STAGING = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

    private SmallGemm() {}

    static boolean applies(int m, int n, int k) {
        return (long) m * n * k <= MAX_FLOPS && (long) m * k <= MAX_STAGED && (long) k * n <= MAX_STAGED && (long) m * n <= MAX_STAGED;
    }

    /** C (i, j) at element {@code cOffset + i*cRowStride + j} of {@code c} += sum_p A(i,p) B(p,j). */
    static void multiplyAdd(int m, int n, int k, Operand a, Operand b, MemorySegment c, long cOffset, long cRowStride) {
        float[][] staging = STAGING.get();
        if (staging[0].length < m * k) staging[0] = new float[m * k];
        if (staging[1].length < k * n) staging[1] = new float[k * n];
        float[] as = staging[0], bs = staging[1];
        // A (m x k) and B (k x n) row-major; a transposed operand is read along its contiguous axis
        // (a strided segment read costs ~10x a strided write into the staging array).
        if (a.rowStride() == 1 && a.colStride() != 1) {
            for (int p = 0; p < k; p++) a.readLine(a.index(0, p), 1, m, as, p, k);
        } else {
            for (int i = 0; i < m; i++) a.readLine(a.index(i, 0), a.colStride(), k, as, i * k, 1);
        }
        if (b.rowStride() == 1 && b.colStride() != 1) {
            for (int j = 0; j < n; j++) b.readLine(b.index(0, j), 1, k, bs, j, n);
        } else {
            for (int p = 0; p < k; p++) b.readLine(b.index(p, 0), b.colStride(), n, bs, p * n, 1);
        }
        // The vector loads and stores below read only Java float arrays: a heap C in its own array, an
        // off-heap C staged. C is a heap segment for some products and an off-heap one for others;
        // reading it through the segment left this method's compiled code to the type profile of the
        // moment C2 compiled it, and in about half of the JVMs that code ran the dVAE's training step
        // 1.5x slower (docs/performance.md, "A JVM in two speeds").
        float[] cs = Operand.heapFloats(c);
        int cBase, cStride;
        if (cs != null) {
            cBase = (int) (c.address() / 4 + cOffset);
            cStride = (int) cRowStride;
        } else {
            if (staging[2].length < m * n) staging[2] = new float[m * n];
            cs = staging[2];
            cBase = 0;
            cStride = n;
            for (int i = 0; i < m; i++) MemorySegment.copy(c, Operand.FLOAT, (cOffset + i * cRowStride) * 4, cs, i * n, n);
        }
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + 2 * W <= n; j += 2 * W) block4x16(k, n, as, i * k, bs, j, cs, cBase + i * cStride + j, cStride);
            for (int r = i; r < i + 4; r++) rowTail(k, n, j, as, r * k, bs, cs, cBase + r * cStride);
        }
        for (; i < m; i++) rowTail(k, n, 0, as, i * k, bs, cs, cBase + i * cStride);
        if (cs == staging[2]) {
            for (int r = 0; r < m; r++) MemorySegment.copy(cs, r * n, c, Operand.FLOAT, (cOffset + r * cRowStride) * 4, n);
        }
    }

    /** Four rows by sixteen columns of cs (from cAt, rows cStride apart): 8 accumulators, per p two B loads, four broadcasts, eight FMAs. */
    private static void block4x16(int k, int n, float[] as, int aRow, float[] bs, int col, float[] cs, int cAt, int cStride) {
        int r0 = cAt, r1 = r0 + cStride, r2 = r1 + cStride, r3 = r2 + cStride;
        FloatVector c00 = FloatVector.fromArray(S, cs, r0), c01 = FloatVector.fromArray(S, cs, r0 + W);
        FloatVector c10 = FloatVector.fromArray(S, cs, r1), c11 = FloatVector.fromArray(S, cs, r1 + W);
        FloatVector c20 = FloatVector.fromArray(S, cs, r2), c21 = FloatVector.fromArray(S, cs, r2 + W);
        FloatVector c30 = FloatVector.fromArray(S, cs, r3), c31 = FloatVector.fromArray(S, cs, r3 + W);
        for (int p = 0; p < k; p++) {
            int bi = p * n + col, ai = aRow + p;
            FloatVector b0 = FloatVector.fromArray(S, bs, bi), b1 = FloatVector.fromArray(S, bs, bi + W);
            FloatVector x = FloatVector.broadcast(S, as[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, as[ai + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, as[ai + 2 * k]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, as[ai + 3 * k]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(cs, r0);
        c01.intoArray(cs, r0 + W);
        c10.intoArray(cs, r1);
        c11.intoArray(cs, r1 + W);
        c20.intoArray(cs, r2);
        c21.intoArray(cs, r2 + W);
        c30.intoArray(cs, r3);
        c31.intoArray(cs, r3 + W);
    }

    /** One row of cs (starting at cRow), columns [from, n): eight at a time, then one at a time. */
    private static void rowTail(int k, int n, int from, float[] as, int aRow, float[] bs, float[] cs, int cRow) {
        int j = from;
        for (; j + W <= n; j += W) {
            FloatVector acc = FloatVector.fromArray(S, cs, cRow + j);
            for (int p = 0; p < k; p++) acc = FloatVector.broadcast(S, as[aRow + p]).fma(FloatVector.fromArray(S, bs, p * n + j), acc);
            acc.intoArray(cs, cRow + j);
        }
        for (; j < n; j++) {
            float sum = cs[cRow + j];
            for (int p = 0; p < k; p++) sum = Math.fma(as[aRow + p], bs[p * n + j], sum);
            cs[cRow + j] = sum;
        }
    }
}
