package dev.tessel.kernels.cpu;

import dev.tessel.kernels.OpChecks;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * layerNorm's backward on the Cpu backend (Backend.layerNormBackward), fused: per row, the
 * statistics exactly as the forward computes them, then two vector passes give dx and the row's
 * share of dWeight and dBias. The composite it replaces (mean, centre, variance, rsqrt, x̂, and the
 * gradient formula, each an elementwise op or a reduction) made about fourteen passes over
 * [rows, C] and as many temporaries, and summed dWeight/dBias in separate column reductions.
 * F32, F16 and BF16 compute in float; F64 takes the Reference backend's double loops.
 *
 * <p>Invariant: rows are cut into blocks whose size depends only on the row count; each block adds
 * its rows' dWeight/dBias in row order and the blocks are added in block order, so the result does
 * not depend on the number of threads.
 */
final class CpuLayerNormBackward {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    /** Row blocks (rows of partial dWeight/dBias held at once) stay at most this many. */
    private static final int MAX_BLOCKS = 256;
    /** Rows per block at least: a block is one task, worth a thread's wake-up. */
    private static final int MIN_BLOCK_ROWS = 16;

    private CpuLayerNormBackward() {}

    static Tensor[] compute(Tensor x, Tensor weight, Tensor gradOut, double eps) {
        OpChecks.checkLayerNormBackward(x, weight, gradOut);
        if (x.dtype() == DType.F64) return Backends.reference().layerNormBackward(x, weight, gradOut, eps);
        int c = x.dim(-1);
        int rows = Math.toIntExact(x.numel() / Math.max(1, c));
        int blockRows = Math.max(MIN_BLOCK_ROWS, (rows + MAX_BLOCKS - 1) / MAX_BLOCKS), blocks = (rows + blockRows - 1) / blockRows;
        float[] w = new float[c];
        if (weight == null) java.util.Arrays.fill(w, 1f);
        else FloatRuns.read(weight, weight.offset(), weight.stride(0), w, 0, c);
        Tensor dx = Tensor.zeros(x.dtype(), x.shape());
        float[][] dWeight = new float[blocks][c], dBias = new float[blocks][c];
        Tensor xs = x.contiguous(), gs = gradOut.contiguous();
        try {
            CpuThreads.parallelFor(blocks, 1, (from, to) -> {
                Row row = new Row(c);
                for (int b = from; b < to; b++) {
                    for (int r = b * blockRows, end = Math.min(rows, r + blockRows); r < end; r++) {
                        FloatRuns.read(xs, xs.offset() + (long) r * c, 1, row.x, 0, c);
                        FloatRuns.read(gs, gs.offset() + (long) r * c, 1, row.g, 0, c);
                        row.backward(w, (float) eps, dWeight[b], dBias[b]);
                        FloatRuns.write(row.dx, 0, dx, (long) r * c, c);
                    }
                }
            });
        } finally {
            if (xs != x) xs.close();
            if (gs != gradOut) gs.close();
        }
        return new Tensor[] {dx, sumBlocks(dWeight, x.dtype(), c), sumBlocks(dBias, x.dtype(), c)};
    }

    /** The blocks' partial sums added in block order, rounded once into {@code dtype}. */
    private static Tensor sumBlocks(float[][] partial, DType dtype, int c) {
        float[] total = new float[c];
        for (float[] p : partial) for (int k = 0; k < c; k++) total[k] += p[k];
        Tensor out = Tensor.zeros(dtype, c);
        FloatRuns.write(total, 0, out, 0, c);
        return out;
    }

    /** One row's buffers: x and the upstream gradient in, dx out, x̂ and d = g·w in between. */
    private static final class Row {
        final float[] x, g, dx, xhat, d;
        final MemorySegment xSegment;
        final int c;

        Row(int c) {
            this.c = c;
            x = new float[c];
            g = new float[c];
            dx = new float[c];
            xhat = new float[c];
            d = new float[c];
            xSegment = MemorySegment.ofArray(x);
        }

        /** dx of this row; adds g·x̂ to {@code dWeight} and g to {@code dBias}. */
        void backward(float[] w, float eps, float[] dWeight, float[] dBias) {
            // the forward's statistics, computed the same way (CpuReductions.layerNorm)
            float mean = FloatLanes.sum(xSegment, 0, c) / c;
            float var = FloatLanes.squaredDeviations(xSegment, 0, mean, c) / c;
            float rstd = (float) (1.0 / Math.sqrt(var + eps));
            FloatVector sumD = FloatVector.zero(S), sumDXhat = FloatVector.zero(S);
            int i = 0, bound = S.loopBound(c);
            for (; i < bound; i += S.length()) {
                FloatVector xh = FloatVector.fromArray(S, x, i).sub(mean).mul(rstd);
                FloatVector gv = FloatVector.fromArray(S, g, i);
                FloatVector dv = gv.mul(FloatVector.fromArray(S, w, i));
                xh.intoArray(xhat, i);
                dv.intoArray(d, i);
                sumD = sumD.add(dv);
                sumDXhat = dv.fma(xh, sumDXhat);
                gv.fma(xh, FloatVector.fromArray(S, dWeight, i)).intoArray(dWeight, i);
                gv.add(FloatVector.fromArray(S, dBias, i)).intoArray(dBias, i);
            }
            float sd = LaneSum.ofPreferred(sumD), sdx = LaneSum.ofPreferred(sumDXhat);
            for (; i < c; i++) {
                xhat[i] = (x[i] - mean) * rstd;
                d[i] = g[i] * w[i];
                sd += d[i];
                sdx = Math.fma(d[i], xhat[i], sdx);
                dWeight[i] = Math.fma(g[i], xhat[i], dWeight[i]);
                dBias[i] += g[i];
            }
            float meanD = sd / c, meanDXhat = sdx / c;
            for (i = 0; i < bound; i += S.length()) {
                FloatVector xh = FloatVector.fromArray(S, xhat, i);
                FloatVector.fromArray(S, d, i).sub(meanD).sub(xh.mul(meanDXhat)).mul(rstd).intoArray(dx, i);
            }
            for (; i < c; i++) dx[i] = (d[i] - meanD - xhat[i] * meanDXhat) * rstd;
        }
    }
}
