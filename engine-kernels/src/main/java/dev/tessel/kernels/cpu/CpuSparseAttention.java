package dev.tessel.kernels.cpu;

import static dev.tessel.kernels.cpu.AttentionTiles.*;

import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.kernels.attention.SparseAttentionShapes;
import dev.tessel.kernels.reference.ReferenceSparseAttention;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Block-sparse attention on the Cpu backend, flash-style: per (batch, head, query block) an
 * online softmax runs over the key blocks the {@link BlockLayout} lists, so empty tiles cost
 * nothing; only PARTIAL tiles read their bit mask. The [N, N] score matrix never exists: a task
 * holds one blockSize x blockSize tile of scores and its running output rows.
 *
 * <p>Packing: q (pre-scaled by 1/√D), k, v and dO are copied once per call into kernel order
 * ({@link BlockLayout#order()}: the transposed column layers are a gather here, not a separate
 * transpose of the activations), as rows padded to a multiple of 8 columns and blockSize rows per
 * block, and k and v also as per-block transposes [width][blockSize], so every step is one
 * {@link AttentionTiles#product} with contiguous vector loads.
 *
 * <p>Backward in two passes that never write the same element from two threads: pass A (tasks =
 * query blocks) recomputes P = exp(S - logSumExp) and accumulates dQ; pass B (tasks = key blocks,
 * through the layout's column index) recomputes P and accumulates dK and dV. Both use
 * D_i = dO_i·O_i. Tasks are handed out dynamically, heaviest blocks first, because causal
 * blocks differ in cost by up to the number of blocks. F64 runs the reference loops.
 */
final class CpuSparseAttention {
    private CpuSparseAttention() {}

    static Tensor[] forward(Tensor q, Tensor k, Tensor v, BlockLayout layout) {
        var shapes = SparseAttentionShapes.check("sparseAttention", q, k, v, layout);
        if (shapes.dtype() == DType.F64) return ReferenceSparseAttention.forward(q, k, v, layout);
        Geometry g = new Geometry(shapes, layout);
        float[] qs = g.packRows(Rows.of(q), g.dp, (float) (1.0 / Math.sqrt(g.d)));
        float[] kT = g.packTransposed(Rows.of(k));
        float[] vr = g.packRows(Rows.of(v), g.dvp, 1f);
        float[] out = new float[g.bhCount * g.n * g.dv], lse = new float[g.bhCount * g.n];
        int[] rowStart = layout.rowStart(), keyBlocks = layout.keyBlocks(), maskOffsets = layout.maskOffsets(), words = layout.maskWords();
        int bs = g.bs, wpr = layout.wordsPerRow();
        schedule(g, blocksByCost(rowStart), (bh, qb, t) -> {
            int q0 = qb * bs, rows = Math.min(bs, g.n - q0), rows4 = roundUp4(rows);
            float[] sp = t.scores, o = t.acc, m = t.max, l = t.sum;
            Arrays.fill(o, 0, rows4 * g.dvp, 0f);
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            Arrays.fill(l, 0f);
            for (int e = rowStart[qb]; e < rowStart[qb + 1]; e++) {
                int kb = keyBlocks[e], k0 = kb * bs, cols = Math.min(bs, g.n - k0), off = maskOffsets[e];
                int[] tileWords = off < 0 ? null : words;
                // Each group of 4 query rows works only on the 8-key chunks its rows can see: in a
                // convolutional or row tile that is about half of the tile.
                for (int r0 = 0; r0 < rows4; r0 += 4) {
                    int span = chunkSpan(tileWords, off, wpr, r0, Math.min(r0 + 4, rows), cols), v0 = span >>> 16, v1 = span & 0xFFFF;
                    if (v1 <= v0) continue;
                    int j0 = v0 * LANES, width = (v1 - v0) * LANES, depth = Math.min(cols, v1 * LANES) - j0;
                    product(qs, g.rowsAt(bh, q0 + r0, g.dp), g.dp, 1, kT, g.transposedAt(bh, kb, g.d) + j0, bs, sp, r0 * bs + j0, bs, 4, g.d, width, false);
                    for (int r = r0; r < Math.min(r0 + 4, rows); r++) {
                        int rowWord = off + r * wpr;
                        if (!rowVisible(tileWords, rowWord, wpr, cols)) {
                            Arrays.fill(sp, r * bs + j0, r * bs + j0 + width, 0f);
                            continue;
                        }
                        float newMax = Math.max(m[r], maskAndMax(sp, r * bs, v0, v1, tileWords, rowWord, cols));
                        if (newMax > m[r]) {
                            float alpha = (float) Math.exp(m[r] - newMax);
                            scale(l, r * LANES, LANES, alpha);
                            scale(o, r * g.dvp, g.dvp, alpha);
                            m[r] = newMax;
                        }
                        expShiftedAccumulate(sp, r * bs + j0, width, newMax, l, r * LANES);
                    }
                    product(sp, r0 * bs + j0, bs, 1, vr, g.rowsAt(bh, k0 + j0, g.dvp), g.dvp, o, r0 * g.dvp, g.dvp, 4, depth, g.dvp, true);
                }
            }
            for (int r = 0; r < rows; r++) {
                int i = g.order[q0 + r];
                float rowSum = laneSum(l, r * LANES);
                if (rowSum == 0f) {
                    lse[bh * g.n + i] = Float.NEGATIVE_INFINITY;
                    continue;
                }
                float inv = 1f / rowSum;
                int dst = (bh * g.n + i) * g.dv;
                for (int x = 0; x < g.dv; x++) out[dst + x] = o[r * g.dvp + x] * inv;
                lse[bh * g.n + i] = m[r] + (float) Math.log(rowSum);
            }
        });
        return new Tensor[] {
            CpuFloatArrays.write(out, shapes.dtype(), g.b, g.h, g.n, g.dv),
            CpuFloatArrays.write(lse, DType.F32, g.b, g.h, g.n)
        };
    }

    static Tensor[] backward(Tensor q, Tensor k, Tensor v, BlockLayout layout, Tensor out, Tensor logSumExp, Tensor gradOut) {
        var shapes = SparseAttentionShapes.check("sparseAttentionBackward", q, k, v, layout);
        shapes.checkBackward("sparseAttentionBackward", out, logSumExp, gradOut);
        if (shapes.dtype() == DType.F64) return ReferenceSparseAttention.backward(q, k, v, layout, out, logSumExp, gradOut);
        Geometry g = new Geometry(shapes, layout);
        Rows kRows = Rows.of(k), gRows = Rows.of(gradOut);
        float scale = (float) (1.0 / Math.sqrt(g.d));
        Tiles tiles = new Tiles(g, layout,
                g.packRows(Rows.of(q), g.dp, scale), g.packTransposed(kRows), g.packTransposed(Rows.of(v)),
                g.packRows(gRows, g.dvp, 1f), g.packStats(CpuFloatArrays.read(logSumExp), Rows.of(out), gRows));
        float[] kr = g.packRows(kRows, g.dp, 1f);
        int qkSize = g.bhCount * g.n * g.d;
        float[] dq = new float[qkSize], dk = new float[qkSize], dv = new float[g.bhCount * g.n * g.dv];
        int bs = g.bs;

        // pass A: dQ_i = Σ_j dS_ij k_j / √D, one task per (batch·head, query block)
        int[] rowStart = layout.rowStart(), keyBlocks = layout.keyBlocks();
        schedule(g, blocksByCost(rowStart), (bh, qb, t) -> {
            int q0 = qb * bs, rows = Math.min(bs, g.n - q0), rows4 = roundUp4(rows);
            Arrays.fill(t.acc, 0, rows4 * g.dp, 0f);
            for (int e = rowStart[qb]; e < rowStart[qb + 1]; e++) {
                int k0 = keyBlocks[e] * bs, cols = Math.min(bs, g.n - k0);
                tiles.probabilities(bh, qb, e, t);
                tiles.scoreGradients(bh, qb, t);
                product(t.scores, 0, bs, 1, kr, g.rowsAt(bh, k0, g.dp), g.dp, t.acc, 0, g.dp, rows4, cols, g.dp, true);
            }
            for (int r = 0; r < rows; r++) {
                int dst = (bh * g.n + g.order[q0 + r]) * g.d;
                for (int x = 0; x < g.d; x++) dq[dst + x] = t.acc[r * g.dp + x] * scale;
            }
        });

        // pass B: dV_j = Σ_i P_ij dO_i and dK_j = Σ_i dS_ij q_i / √D, one task per (batch·head, key block)
        int[] columnStart = layout.columnStart(), columnEntries = layout.columnEntries(), entryQueryBlock = entryQueryBlocks(rowStart);
        schedule(g, blocksByCost(columnStart), (bh, kb, t) -> {
            int k0 = kb * bs, cols = Math.min(bs, g.n - k0), cols4 = roundUp4(cols);
            Arrays.fill(t.acc, 0, cols4 * g.dp, 0f);
            Arrays.fill(t.acc2, 0, cols4 * g.dvp, 0f);
            for (int c = columnStart[kb]; c < columnStart[kb + 1]; c++) {
                int e = columnEntries[c], qb = entryQueryBlock[e], q0 = qb * bs, rows = Math.min(bs, g.n - q0);
                tiles.probabilities(bh, qb, e, t);
                product(t.scores, 0, 1, bs, tiles.dOut, g.rowsAt(bh, q0, g.dvp), g.dvp, t.acc2, 0, g.dvp, cols4, rows, g.dvp, true);
                tiles.scoreGradients(bh, qb, t);
                product(t.scores, 0, 1, bs, tiles.qs, g.rowsAt(bh, q0, g.dp), g.dp, t.acc, 0, g.dp, cols4, rows, g.dp, true);
            }
            for (int r = 0; r < cols; r++) {
                int j = g.order[k0 + r];
                System.arraycopy(t.acc, r * g.dp, dk, (bh * g.n + j) * g.d, g.d);
                System.arraycopy(t.acc2, r * g.dvp, dv, (bh * g.n + j) * g.dv, g.dv);
            }
        });
        DType dtype = shapes.dtype();
        return new Tensor[] {
            CpuFloatArrays.write(dq, dtype, q.shape().toArray()),
            CpuFloatArrays.write(dk, dtype, k.shape().toArray()),
            CpuFloatArrays.write(dv, dtype, v.shape().toArray())
        };
    }

    /** The packed operands of the backward pass and the two tile steps both passes share. */
    private record Tiles(Geometry g, BlockLayout layout, float[] qs, float[] kT, float[] vT, float[] dOut, float[] stats,
                         int[] keyBlocks, int[] maskOffsets, int[] words) {
        Tiles(Geometry g, BlockLayout layout, float[] qs, float[] kT, float[] vT, float[] dOut, float[] stats) {
            this(g, layout, qs, kT, vT, dOut, stats, layout.keyBlocks(), layout.maskOffsets(), layout.maskWords());
        }

        /**
         * Tile (qb, keyBlocks[e]): t.scores = P = exp(S - logSumExp) with masked pairs 0, and
         * t.gradScores = dP = dO·Vᵀ; rows past the sequence end or seeing nothing are all 0.
         */
        void probabilities(int bh, int qb, int e, Scratch t) {
            int bs = g.bs, wpr = layout.wordsPerRow(), q0 = qb * bs, rows = Math.min(bs, g.n - q0), rows4 = roundUp4(rows);
            int kb = keyBlocks[e], cols = Math.min(bs, g.n - kb * bs), off = maskOffsets[e];
            int[] tileWords = off < 0 ? null : words;
            product(qs, g.rowsAt(bh, q0, g.dp), g.dp, 1, kT, g.transposedAt(bh, kb, g.d), bs, t.scores, 0, bs, rows4, g.d, bs, false);
            product(dOut, g.rowsAt(bh, q0, g.dvp), g.dvp, 1, vT, g.transposedAt(bh, kb, g.dv), bs, t.gradScores, 0, bs, rows4, g.dv, bs, false);
            for (int r = 0; r < rows4; r++) {
                float lse = r < rows ? stats[2 * (bh * g.npad + q0 + r)] : Float.NEGATIVE_INFINITY;
                if (lse == Float.NEGATIVE_INFINITY || !rowVisible(tileWords, off + r * wpr, wpr, cols)) {
                    Arrays.fill(t.scores, r * bs, (r + 1) * bs, 0f);
                    continue;
                }
                maskAndMax(t.scores, r * bs, 0, bs / LANES, tileWords, off + r * wpr, cols);
                expShifted(t.scores, r * bs, bs, lse);
            }
        }

        /** t.scores: P -> dS = P (dP - D_i), row by row. */
        void scoreGradients(int bh, int qb, Scratch t) {
            int bs = g.bs, q0 = qb * bs, rows = Math.min(bs, g.n - q0);
            for (int r = 0; r < rows; r++) softmaxGradient(t.scores, t.gradScores, r * bs, bs, stats[2 * (bh * g.npad + q0 + r) + 1]);
        }
    }

    /** Sizes, padding and the kernel order of one call; packs tensors into the kernels' layouts. */
    private static final class Geometry {
        final int b, h, bhCount, n, d, dv, bs, nb, npad, dp, dvp;
        final int[] order;

        Geometry(SparseAttentionShapes s, BlockLayout layout) {
            b = s.batch();
            h = s.heads();
            bhCount = b * h;
            n = s.length();
            d = s.d();
            dv = s.dv();
            bs = layout.blockSize();
            nb = layout.blocks();
            npad = nb * bs;
            dp = (d + LANES - 1) / LANES * LANES;
            dvp = (dv + LANES - 1) / LANES * LANES;
            order = layout.order();
        }

        int rowsAt(int bh, int position, int width) { return (bh * npad + position) * width; }

        int transposedAt(int bh, int block, int width) { return (bh * nb + block) * width * bs; }

        /** [bh][npad][widthPad] rows in kernel order, times {@code scale}, zero padded. */
        float[] packRows(Rows src, int widthPad, float scale) {
            float[] dst = new float[bhCount * npad * widthPad];
            forEachBlock((bh, block) -> {
                for (int p = block * bs, end = Math.min(n, p + bs); p < end; p++) {
                    int at = rowsAt(bh, p, widthPad);
                    src.read(bh * n + order[p], dst, at);
                    if (scale != 1f) AttentionTiles.scale(dst, at, widthPad, scale);
                }
            });
            return dst;
        }

        /** [bh][block][width][bs]: each key block transposed, zero padded past the sequence end. */
        float[] packTransposed(Rows src) {
            int width = src.width();
            float[] dst = new float[bhCount * nb * width * bs];
            forEachBlock((bh, block) -> {
                float[] row = new float[width];
                for (int p = block * bs, end = Math.min(n, p + bs); p < end; p++) {
                    src.read(bh * n + order[p], row, 0);
                    int t = transposedAt(bh, block, width) + p % bs;
                    for (int x = 0; x < width; x++) dst[t + x * bs] = row[x];
                }
            });
            return dst;
        }

        /** [bh][npad][2]: logSumExp and D = dO·O per query, in kernel order. */
        float[] packStats(float[] lse, Rows out, Rows gradOut) {
            float[] dst = new float[bhCount * npad * 2];
            forEachBlock((bh, block) -> {
                float[] o = new float[dv], g = new float[dv];
                for (int p = block * bs, end = Math.min(n, p + bs); p < end; p++) {
                    int i = bh * n + order[p];
                    out.read(i, o, 0);
                    gradOut.read(i, g, 0);
                    float dot = 0f;
                    for (int x = 0; x < dv; x++) dot += g[x] * o[x];
                    dst[2 * (bh * npad + p)] = lse[i];
                    dst[2 * (bh * npad + p) + 1] = dot;
                }
            });
            return dst;
        }

        /** Runs body(bh, block) for every (batch·head, block) on the pool: packing is split as finely as the kernels. */
        private void forEachBlock(PackBody body) {
            CpuThreads.parallelFor(bhCount * nb, 4, (from, to) -> {
                for (int t = from; t < to; t++) body.run(t / nb, t % nb);
            });
        }
    }

    /**
     * Rows of the last axis of a float tensor in logical order: read straight from its memory when
     * it is F32 with unit stride along that axis, whatever its other strides (the heads of a
     * fused projection are such a view; copying them first took a serial pass on the caller, 6% of
     * a training step), else from one float copy (widened F16/BF16, a strided last axis).
     */
    private record Rows(Tensor tensor, float[] copy, int width, int[] leadingDims, long[] leadingStrides) {
        static Rows of(Tensor t) {
            int rank = t.rank();
            int width = t.dim(rank - 1);
            if (t.dtype() != DType.F32 || (width > 1 && t.stride(rank - 1) != 1)) {
                return new Rows(t, CpuFloatArrays.read(t), width, null, null);
            }
            int[] dims = new int[rank - 1];
            long[] strides = new long[rank - 1];
            for (int a = 0; a < rank - 1; a++) {
                dims[a] = t.dim(a);
                strides[a] = t.stride(a);
            }
            return new Rows(t, null, width, dims, strides);
        }

        void read(int row, float[] dst, int at) {
            if (copy != null) {
                System.arraycopy(copy, row * width, dst, at, width);
                return;
            }
            long element = 0;
            for (int a = leadingDims.length - 1, rest = row; a >= 0; a--) {
                element += (rest % leadingDims[a]) * leadingStrides[a];
                rest /= leadingDims[a];
            }
            MemorySegment.copy(tensor.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, tensor.byteOffset() + element * Float.BYTES, dst, at, width);
        }
    }

    /** Per-worker buffers: one score tile, one gradient tile, two accumulators, running max, and running sums (8 lanes per row). */
    private static final class Scratch {
        final float[] scores, gradScores, acc, acc2, max, sum;

        Scratch(Geometry g) {
            scores = new float[g.bs * g.bs];
            gradScores = new float[g.bs * g.bs];
            acc = new float[g.bs * Math.max(g.dp, g.dvp)];
            acc2 = new float[g.bs * g.dvp];
            max = new float[g.bs];
            sum = new float[g.bs * LANES];
        }
    }

    @FunctionalInterface
    private interface PackBody { void run(int bh, int block); }

    @FunctionalInterface
    private interface BlockTask { void run(int bh, int block, Scratch scratch); }

    /** Runs task(bh, block) for every (batch·head, block), workers pulling the next task as they finish. */
    private static void schedule(Geometry g, int[] blocks, BlockTask task) {
        int total = g.bhCount * blocks.length;
        AtomicInteger next = new AtomicInteger();
        CpuThreads.parallelFor(Math.min(CpuThreads.threads(), total), 1, (from, to) -> {
            Scratch scratch = new Scratch(g);
            for (int t; (t = next.getAndIncrement()) < total; ) task.run(t % g.bhCount, blocks[t / g.bhCount], scratch);
        });
    }

    /** Block indices by descending number of tiles (CSR or CSC pointers), so the longest tasks start first. */
    private static int[] blocksByCost(int[] start) {
        int count = start.length - 1;
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Integer.compare(start[y + 1] - start[y], start[x + 1] - start[x]));
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = order[i];
        return out;
    }

    /** The query block of every CSR entry. */
    private static int[] entryQueryBlocks(int[] rowStart) {
        int[] qb = new int[rowStart[rowStart.length - 1]];
        for (int b = 0; b + 1 < rowStart.length; b++) Arrays.fill(qb, rowStart[b], rowStart[b + 1], b);
        return qb;
    }

    private static int roundUp4(int x) { return (x + 3) & ~3; }
}
