package dev.tessel.kernels.cpu.gemm;

import dev.tessel.kernels.cpu.CpuThreads;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * BLIS-style blocked SGEMM: C += A·B with float accumulation, A and B any strided F32/F16/BF16
 * matrices, C float32 with unit column stride.
 *
 * <p>Loop order jc (NC columns), pc (KC depth), ic (MC rows), jr (NR strip), ir (MR strip): the
 * packed B panels (KC x NC each, L3-resident; a group of them packed together) are shared by all threads, each thread packs its own A
 * block (MC x KC, L2-resident) for its share of the rows, and each micro-kernel call streams one
 * KC x NR B strip (L1-resident). Threads split M (in chunks of at most one A block, claimed as
 * threads come free), or N when M has too few strips, so no two
 * threads ever write the same C element and no locking is needed. Products under
 * {@link #SMALL_FLOPS} multiply-adds skip packing, and so do one-row and one-column products
 * ({@link VectorTimesMatrix}), where packing would copy a whole matrix to use a sliver of each tile.
 */
public final class SgemmDriver {
    static final int MC = 144, KC = 256, NC = 4080;
    /**
     * Floats of packed B (4 MB, an eighth of the L3) packed per fork-join: several KC panels at once
     * instead of one, because every fork-join wakes parked workers, and on a busy machine a woken
     * worker can wait a scheduler slice while its partner idles at the join.
     */
    static final long PACKED_B_BUDGET = 1L << 20;

    private static final ThreadLocal<WorkerBuffers> BUFFERS = ThreadLocal.withInitial(WorkerBuffers::new);

    /**
     * Per-thread scratch: the packed A block, a C tile for edge strips narrower than 6x16 and for an
     * off-heap C, and the
     * packed B panels of the products this thread calls (up to 4 MB, kept: a fresh array per
     * product was a megabyte of zeroing on the caller's thread while the workers waited).
     */
    private static final class WorkerBuffers {
        final float[] packedA = new float[MC * KC];
        final float[] scratchTile = new float[MicroKernel.MR * MicroKernel.NR];
        private float[] packedB = new float[0];

        float[] packedB(int size) {
            if (packedB.length < size) packedB = new float[size];
            return packedB;
        }
    }

    private SgemmDriver() {}

    /**
     * C (i, j) at element {@code cOffset + i*cRowStride + j} of {@code c} += sum_p A(i,p) B(p,j), for
     * an m x k A and a k x n B; uses at most {@code maxThreads} workers of the shared pool.
     */
    public static void multiplyAdd(int m, int n, int k, Operand a, Operand b, MemorySegment c, long cOffset, long cRowStride,
                                   int maxThreads) {
        multiplyAdd(m, n, k, a, b, null, c, cOffset, cRowStride, maxThreads);
    }

    /**
     * As above with B packed in advance ({@link PackedMatrix}): the blocked path skips packing B
     * and also serves the small products; one-row and one-column products read {@code b}'s source
     * in place. Bit-identical to the unpacked call.
     */
    public static void multiplyAdd(int m, Operand a, PackedMatrix b, MemorySegment c, long cOffset, long cRowStride, int maxThreads) {
        multiplyAdd(m, b.n, b.k, a, b.source, b, c, cOffset, cRowStride, maxThreads);
    }

    /** prepacked: B already packed (null: pack it here); b is its source either way. */
    private static void multiplyAdd(int m, int n, int k, Operand a, Operand b, PackedMatrix prepacked, MemorySegment c, long cOffset,
                                    long cRowStride, int maxThreads) {
        if (m == 0 || n == 0 || k == 0) return;
        // One-row and one-column products stream the matrix in place even when small: SmallGemm
        // would stage (copy, often transposed) all of a weight matrix to use it once, which cost
        // KV-cached sampling, one token per linear layer, more than the arithmetic. Work that small
        // stays on the calling thread, as in SmallGemm.
        boolean small = SmallGemm.applies(m, n, k);
        int threads = small ? 1 : Math.max(1, Math.min(maxThreads, CpuThreads.threads()));
        if (m == 1 && VectorTimesMatrix.applies(b)) {
            VectorTimesMatrix.multiplyAdd(row(a, k), b, n, c, cOffset, 1, threads);
            return;
        }
        if (n == 1 && VectorTimesMatrix.applies(a)) {
            // C^T (1 x m) = b^T (1 x k) · A^T (k x m): the same row product with A's strides swapped.
            Operand aTransposed = new Operand(a.segment(), a.dtype(), a.offset(), a.colStride(), a.rowStride());
            VectorTimesMatrix.multiplyAdd(column(b, k), aTransposed, m, c, cOffset, cRowStride, threads);
            return;
        }
        // SmallGemm exists to avoid packing B; with B already packed the blocked path is cheaper (it
        // staged the whole 256x256 projection per call: a fifth of a batch-16 step) and sums the
        // same: both are one FMA chain per C element in increasing p, started from C.
        if (small && prepacked == null) {
            SmallGemm.multiplyAdd(m, n, k, a, b, c, cOffset, cRowStride);
            return;
        }
        final int mr = MicroKernel.MR, nr = MicroKernel.NR;
        int mStrips = (m + mr - 1) / mr;
        boolean splitRows = mStrips >= 2 * threads || mStrips * mr >= MC * threads;
        int widest = roundUp(Math.min(NC, n), nr);
        int panelsPerGroup = (int) Math.max(1, Math.min((k + KC - 1) / KC, PACKED_B_BUDGET / ((long) KC * widest)));
        // A prepacked B is one group of all k rows per column block: the same panels in the same
        // order as packing here, so the micro-kernel sums exactly as it would have.
        int groupDepth = prepacked != null ? k : panelsPerGroup * KC;
        float[] scratchB = prepacked != null ? null : BUFFERS.get().packedB(Math.min(k, groupDepth) * widest);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), j0 = jc;
            int nStrips = (nc + nr - 1) / nr, panelStride = nStrips * nr;
            float[] packedB = prepacked != null ? prepacked.blocks[jc / NC] : scratchB;
            for (int g0 = 0; g0 < k; g0 += groupDepth) {
                // One fork-join packs every KC panel of the group, one more computes them all.
                int first = g0, end = Math.min(k, g0 + groupDepth);
                if (prepacked == null) {
                    // grain 4 strips: a 256-column B (16 strips) is still packed by both threads
                    CpuThreads.parallelFor(nStrips, 4, threads, (from, to) -> {
                        for (int pc = first; pc < end; pc += KC) {
                            Packing.packB(b, pc, Math.min(KC, end - pc), j0, nc, from, to, packedB, (pc - first) * panelStride);
                        }
                    });
                }
                if (splitRows) {
                    // chunks of at most one A block each, claimed as threads come free: a thread that
                    // started late (no core for a moment) leaves its later blocks to the other
                    CpuThreads.parallelForChunks(mStrips, Math.max(threads, (mStrips * mr + MC - 1) / MC), threads, (from, to) -> {
                        WorkerBuffers buffers = BUFFERS.get();
                        int rowEnd = Math.min(m, to * mr);
                        for (int pc = first; pc < end; pc += KC) {
                            int kc = Math.min(KC, end - pc);
                            for (int ic = from * mr; ic < rowEnd; ic += MC) {
                                int mc = Math.min(MC, rowEnd - ic);
                                Packing.packA(a, ic, mc, pc, kc, buffers.packedA);
                                macroKernel(buffers, mc, kc, nc, 0, nStrips, buffers.packedA, packedB, (pc - first) * panelStride,
                                        c, cOffset + ic * cRowStride + j0, cRowStride);
                            }
                        }
                    });
                } else {
                    float[] packedA = BUFFERS.get().packedA;
                    for (int pc = first; pc < end; pc += KC) {
                        int kc = Math.min(KC, end - pc), panel = (pc - first) * panelStride;
                        for (int ic = 0; ic < m; ic += MC) {
                            int mc = Math.min(MC, m - ic);
                            long cBlock = cOffset + ic * cRowStride + j0;
                            Packing.packA(a, ic, mc, pc, kc, packedA);
                            CpuThreads.parallelFor(nStrips, 1, threads,
                                    (from, to) -> macroKernel(BUFFERS.get(), mc, kc, nc, from, to, packedA, packedB, panel, c, cBlock, cRowStride));
                        }
                    }
                }
            }
        }
    }

    /** Runs the micro-kernel over B strips [stripFrom, stripTo) and every A strip of one packed block. */
    private static void macroKernel(WorkerBuffers buffers, int mc, int kc, int nc, int stripFrom, int stripTo, float[] packedA,
                                    float[] packedB, int bPanel, MemorySegment c, long cBlock, long cRowStride) {
        final int mr = MicroKernel.MR, nr = MicroKernel.NR;
        // A heap tensor's C is its float array, which full tiles update in place; an off-heap C (or a
        // heap segment over another array type) goes through the scratch tile, as partial tiles do.
        float[] cArray = Operand.heapFloats(c);
        long cArrayBase = cArray == null ? 0 : c.address() / 4;
        for (int t = stripFrom; t < stripTo; t++) {
            int cols = Math.min(nr, nc - t * nr);
            for (int s = 0; s * mr < mc; s++) {
                int rows = Math.min(mr, mc - s * mr);
                long cAt = cBlock + (long) s * mr * cRowStride + (long) t * nr;
                if (rows == mr && cols == nr && cArray != null) {
                    MicroKernel.tile(kc, packedA, s * mr * kc, packedB, bPanel + t * nr * kc, cArray, (int) (cArrayBase + cAt), (int) cRowStride);
                } else {
                    stagedTile(buffers.scratchTile, rows, cols, kc, packedA, s * mr * kc, packedB, bPanel + t * nr * kc, c, cAt, cRowStride);
                }
            }
        }
    }

    /** A tile through the scratch tile: copy the valid rows x cols of C into it (zeros elsewhere), run the kernel, copy them back. */
    private static void stagedTile(float[] tile, int rows, int cols, int kc, float[] packedA, int aBase, float[] packedB, int bBase,
                                   MemorySegment c, long cAt, long cRowStride) {
        final int nr = MicroKernel.NR;
        Arrays.fill(tile, 0f);
        for (int r = 0; r < rows; r++) MemorySegment.copy(c, Operand.FLOAT, (cAt + r * cRowStride) * 4, tile, r * nr, cols);
        MicroKernel.tile(kc, packedA, aBase, packedB, bBase, tile, 0, nr);
        for (int r = 0; r < rows; r++) MemorySegment.copy(tile, r * nr, c, Operand.FLOAT, (cAt + r * cRowStride) * 4, cols);
    }

    private static float[] row(Operand x, int length) {
        float[] v = new float[length];
        x.readLine(x.index(0, 0), x.colStride(), length, v, 0, 1);
        return v;
    }

    private static float[] column(Operand x, int length) {
        float[] v = new float[length];
        x.readLine(x.index(0, 0), x.rowStride(), length, v, 0, 1);
        return v;
    }

    private static int roundUp(int x, int multiple) { return (x + multiple - 1) / multiple * multiple; }
}
