package dev.tessel.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The tile kernels of {@link CpuSparseAttention}: one small register-blocked product that serves
 * every matrix step of the forward and backward passes (S = Q·Kᵀ, O += P·V, dP = dO·Vᵀ,
 * dQ += dS·K, dV += Pᵀ·dO, dK += dSᵀ·Q), and the per-row masking and exponentials.
 *
 * <p>Invariant: C[i][j] (+)= Σ_k A(i, k)·B[k][j] is vectorised along j (B rows and C rows are
 * contiguous), A is read by broadcast through two strides, so a transposed A costs nothing. Rows
 * come in groups of 4 and widths in multiples of 8 (the callers pad their packed operands with
 * zeros); 4 rows x 16 columns = 8 accumulators, the size that never spills without extra JIT
 * flags (DESIGN.md 2d).
 */
final class AttentionTiles {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    static final int LANES = 8;

    /**
     * For each 8-bit lane mask, 8 floats: 0 where the bit is set, -inf where it is not. Adding
     * row bits' entry masks a score chunk with one load and one add (finite scores stay exact);
     * VectorMask.fromLong is not an intrinsic on AVX2 and costs an allocation per call.
     */
    private static final float[] MASK_BIAS = new float[256 * LANES];

    static {
        for (int bits = 0; bits < 256; bits++) {
            for (int lane = 0; lane < LANES; lane++) MASK_BIAS[bits * LANES + lane] = (bits >>> lane & 1) != 0 ? 0f : Float.NEGATIVE_INFINITY;
        }
    }

    private AttentionTiles() {}

    /**
     * C[i][j] = (accumulate ? C[i][j] : 0) + Σ_{k < depth} A(i,k)·B[k][j] for i < rows (a multiple
     * of 4), j < width (a multiple of 8); A(i,k) = a[aOff + i*aRow + k*aCol], B[k][j] = b[bOff + k*bRow + j],
     * C[i][j] = c[cOff + i*cRow + j].
     */
    static void product(float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow,
                        float[] c, int cOff, int cRow, int rows, int depth, int width, boolean accumulate) {
        for (int i = 0; i < rows; i += 4) {
            int a0 = aOff + i * aRow, c0 = cOff + i * cRow;
            int j = 0;
            for (; j + 2 * LANES <= width; j += 2 * LANES) product4x16(a, a0, aRow, aCol, b, bOff + j, bRow, c, c0 + j, cRow, depth, accumulate);
            if (j < width) product4x8(a, a0, aRow, aCol, b, bOff + j, bRow, c, c0 + j, cRow, depth, accumulate);
        }
    }

    private static void product4x16(float[] a, int a0, int aRow, int aCol, float[] b, int b0, int bRow,
                                    float[] c, int c0, int cRow, int depth, boolean accumulate) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (accumulate) {
            c00 = FloatVector.fromArray(S, c, c0);
            c01 = FloatVector.fromArray(S, c, c0 + LANES);
            c10 = FloatVector.fromArray(S, c, c0 + cRow);
            c11 = FloatVector.fromArray(S, c, c0 + cRow + LANES);
            c20 = FloatVector.fromArray(S, c, c0 + 2 * cRow);
            c21 = FloatVector.fromArray(S, c, c0 + 2 * cRow + LANES);
            c30 = FloatVector.fromArray(S, c, c0 + 3 * cRow);
            c31 = FloatVector.fromArray(S, c, c0 + 3 * cRow + LANES);
        } else {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = FloatVector.zero(S);
        }
        for (int k = 0; k < depth; k++) {
            int bk = b0 + k * bRow, ak = a0 + k * aCol;
            FloatVector b0v = FloatVector.fromArray(S, b, bk), b1v = FloatVector.fromArray(S, b, bk + LANES);
            FloatVector x = FloatVector.broadcast(S, a[ak]);
            c00 = x.fma(b0v, c00);
            c01 = x.fma(b1v, c01);
            x = FloatVector.broadcast(S, a[ak + aRow]);
            c10 = x.fma(b0v, c10);
            c11 = x.fma(b1v, c11);
            x = FloatVector.broadcast(S, a[ak + 2 * aRow]);
            c20 = x.fma(b0v, c20);
            c21 = x.fma(b1v, c21);
            x = FloatVector.broadcast(S, a[ak + 3 * aRow]);
            c30 = x.fma(b0v, c30);
            c31 = x.fma(b1v, c31);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c10.intoArray(c, c0 + cRow);
        c11.intoArray(c, c0 + cRow + LANES);
        c20.intoArray(c, c0 + 2 * cRow);
        c21.intoArray(c, c0 + 2 * cRow + LANES);
        c30.intoArray(c, c0 + 3 * cRow);
        c31.intoArray(c, c0 + 3 * cRow + LANES);
    }

    private static void product4x8(float[] a, int a0, int aRow, int aCol, float[] b, int b0, int bRow,
                                   float[] c, int c0, int cRow, int depth, boolean accumulate) {
        FloatVector c0v, c1v, c2v, c3v;
        if (accumulate) {
            c0v = FloatVector.fromArray(S, c, c0);
            c1v = FloatVector.fromArray(S, c, c0 + cRow);
            c2v = FloatVector.fromArray(S, c, c0 + 2 * cRow);
            c3v = FloatVector.fromArray(S, c, c0 + 3 * cRow);
        } else {
            c0v = c1v = c2v = c3v = FloatVector.zero(S);
        }
        for (int k = 0; k < depth; k++) {
            int ak = a0 + k * aCol;
            FloatVector bv = FloatVector.fromArray(S, b, b0 + k * bRow);
            c0v = FloatVector.broadcast(S, a[ak]).fma(bv, c0v);
            c1v = FloatVector.broadcast(S, a[ak + aRow]).fma(bv, c1v);
            c2v = FloatVector.broadcast(S, a[ak + 2 * aRow]).fma(bv, c2v);
            c3v = FloatVector.broadcast(S, a[ak + 3 * aRow]).fma(bv, c3v);
        }
        c0v.intoArray(c, c0);
        c1v.intoArray(c, c0 + cRow);
        c2v.intoArray(c, c0 + 2 * cRow);
        c3v.intoArray(c, c0 + 3 * cRow);
    }

    /**
     * The 8 visibility bits of lanes [8v, 8v+8) of a tile row: all ones when {@code words} is null
     * (a full tile) and the lanes are in range, else bits of the row's mask words; columns at or
     * beyond {@code cols} are never visible.
     */
    static int laneBits(int[] words, int rowWord, int v, int cols) {
        int bits = words == null ? 0xFF : (words[rowWord + (v >>> 2)] >>> ((v & 3) << 3)) & 0xFF;
        int valid = cols - v * LANES;
        return valid >= LANES ? bits : valid <= 0 ? 0 : bits & ((1 << valid) - 1);
    }

    /** True iff any lane of the tile row is visible. */
    static boolean rowVisible(int[] words, int rowWord, int wordsPerRow, int cols) {
        if (words == null) return cols > 0;
        for (int w = 0; w < wordsPerRow; w++) if (words[rowWord + w] != 0) return true;
        return false;
    }

    /** Masked lanes of chunks [v0, v1) of the tile row at s[row ..] become -inf; returns the maximum over the visible lanes. */
    static float maskAndMax(float[] s, int row, int v0, int v1, int[] words, int rowWord, int cols) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int v = v0; v < v1; v++) {
            int bits = laneBits(words, rowWord, v, cols), at = row + v * LANES;
            FloatVector x = FloatVector.fromArray(S, s, at);
            if (bits != 0xFF) {
                x = x.add(FloatVector.fromArray(S, MASK_BIAS, bits * LANES));
                x.intoArray(s, at);
            }
            max = max.max(x);
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * The 8-lane chunks [lo, hi) holding every visible lane of tile rows [r0, r1), packed as
     * lo << 16 | hi (0 when none is visible): where a row group's work starts and ends.
     */
    static int chunkSpan(int[] words, int off, int wordsPerRow, int r0, int r1, int cols) {
        int chunks = (cols + LANES - 1) / LANES;
        if (words == null) return chunks;
        int first = Integer.MAX_VALUE, last = -1;
        for (int w = 0; w < wordsPerRow; w++) {
            int union = 0;
            for (int r = r0; r < r1; r++) union |= words[off + r * wordsPerRow + w];
            if (union == 0) continue;
            first = Math.min(first, w * 32 + Integer.numberOfTrailingZeros(union));
            last = w * 32 + 31 - Integer.numberOfLeadingZeros(union);
        }
        return last < 0 ? 0 : (first / LANES) << 16 | (last / LANES + 1);
    }

    /** s[j] = exp(s[j] - shift) over [off, off+width) in place (masked -inf lanes become 0); returns the sum. */
    static float expShifted(float[] s, int off, int width, float shift) {
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < width; j += LANES) {
            FloatVector e = FloatVector.fromArray(S, s, off + j).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(s, off + j);
            sum = sum.add(e);
        }
        return LaneSum.of256(sum);
    }

    /**
     * s[j] = exp(s[j] - shift) over [off, off+width) in place, and the 8 lanes at sums[sumsOff ..]
     * += their lane-wise sum: the row sum stays in lanes until the row is finished, which saves a
     * horizontal reduction per (row, tile).
     */
    static void expShiftedAccumulate(float[] s, int off, int width, float shift, float[] sums, int sumsOff) {
        FloatVector sum = FloatVector.fromArray(S, sums, sumsOff);
        for (int j = 0; j < width; j += LANES) {
            FloatVector e = FloatVector.fromArray(S, s, off + j).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(s, off + j);
            sum = sum.add(e);
        }
        sum.intoArray(sums, sumsOff);
    }

    /** The sum of the 8 lanes at x[off ..]. */
    static float laneSum(float[] x, int off) { return LaneSum.of256(FloatVector.fromArray(S, x, off)); }

    /** x[off .. off+width) *= factor. */
    static void scale(float[] x, int off, int width, float factor) {
        for (int j = 0; j < width; j += LANES) FloatVector.fromArray(S, x, off + j).mul(factor).intoArray(x, off + j);
    }

    /** p[j] = p[j] * (dp[j] - rowDot) over [off, off+width): dS from P and dP. */
    static void softmaxGradient(float[] p, float[] dp, int off, int width, float rowDot) {
        for (int j = 0; j < width; j += LANES) {
            FloatVector pv = FloatVector.fromArray(S, p, off + j);
            pv.mul(FloatVector.fromArray(S, dp, off + j).sub(rowDot)).intoArray(p, off + j);
        }
    }
}
