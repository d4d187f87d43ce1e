package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Indexing ops of the Cpu backend: embedding gather (row copies), scatter-add (threads own
 * disjoint column blocks, so repeated ids never race), one-hot and softmax cross-entropy
 * (threaded over rows, per-task partial sums added in a fixed order so the loss is deterministic).
 *
 * <p>Invariant: ids are validated by {@link IndexChecks} before any access, so the loops index
 * unguarded; a contiguous copy made here is closed here.
 */
final class CpuIndexing {
    private static final int GRAIN = 1 << 14;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private CpuIndexing() {}

    /** table [V, D], ids [...]: out [..., D]; a dense table row is one memory copy. */
    public static Tensor embedding(Tensor table, Tensor ids) {
        IndexChecks.checkEmbedding(table, ids);
        int d = table.dim(1);
        Tensor out = Tensor.zeros(table.dtype(), IndexChecks.appendDim(ids.shape(), d));
        long[] rows = ids.toLongArray();
        int width = table.dtype().byteSize();
        long rowStride = table.stride(0), columnStride = table.stride(1);
        CpuThreads.parallelFor(rows.length, Math.max(1, GRAIN / Math.max(1, d)), (from, to) -> {
            for (int j = from; j < to; j++) {
                long first = table.offset() + rows[j] * rowStride;
                if (columnStride == 1) {
                    MemorySegment.copy(table.segment(), first * width, out.segment(), (long) j * d * width, (long) d * width);
                } else {
                    for (int k = 0; k < d; k++) out.setBitsAt((long) j * d + k, table.bitsAt(first + k * columnStride));
                }
            }
        });
        return out;
    }

    /** gradOut [..., D] accumulated into [rows, D] in the compute type; repeated ids add up. */
    public static Tensor embeddingBackward(Tensor ids, Tensor gradOut, int rows) {
        IndexChecks.checkEmbeddingBackward(ids, gradOut, rows);
        int d = gradOut.dim(-1);
        long[] targets = ids.toLongArray();
        Tensor out = Tensor.zeros(gradOut.dtype(), rows, d);
        Tensor grad = gradOut.contiguous();
        try {
            int columnGrain = Math.max(1, GRAIN / Math.max(1, targets.length));
            if (grad.dtype() == DType.F64) {
                CpuThreads.parallelFor(d, columnGrain, (c0, c1) -> {
                    MemorySegment g = grad.segment(), o = out.segment();
                    for (int j = 0; j < targets.length; j++) {
                        long src = grad.offset() + (long) j * d, dst = targets[j] * d;
                        for (int k = c0; k < c1; k++) o.setAtIndex(DOUBLE, dst + k, o.getAtIndex(DOUBLE, dst + k) + g.getAtIndex(DOUBLE, src + k));
                    }
                });
                return out;
            }
            float[] acc = new float[Math.multiplyExact(rows, d)];
            CpuThreads.parallelFor(d, columnGrain, (c0, c1) -> {
                float[] buf = new float[c1 - c0];
                for (int j = 0; j < targets.length; j++) {
                    FloatRuns.read(grad, grad.offset() + (long) j * d + c0, 1, buf, 0, buf.length);
                    int base = (int) targets[j] * d + c0;
                    for (int k = 0; k < buf.length; k++) acc[base + k] += buf[k];
                }
            });
            FloatRuns.write(acc, 0, out, 0, acc.length);
            return out;
        } finally {
            if (grad != gradOut) grad.close();
        }
    }

    public static Tensor oneHot(Tensor ids, int classes, DType dtype) {
        IndexChecks.checkOneHot(ids, classes, dtype);
        Tensor out = Tensor.zeros(dtype, IndexChecks.appendDim(ids.shape(), classes));
        long one = ScalarMath.encode(dtype, 1.0);
        long[] values = ids.toLongArray();
        for (int j = 0; j < values.length; j++) out.setBitsAt((long) j * classes + values[j], one);
        return out;
    }

    /** Mean over rows of logsumexp(logits[n]) − logits[n, t[n]], max-subtracted; per-row losses summed in double. */
    public static Tensor softmaxCrossEntropy(Tensor logits, Tensor targets) {
        IndexChecks.checkCrossEntropy(logits, targets);
        int n = logits.dim(0), c = logits.dim(1);
        long[] t = targets.toLongArray();
        double[] rowLoss = new double[n];
        Tensor x = logits.contiguous();
        try {
            CpuThreads.parallelFor(n, Math.max(1, GRAIN / Math.max(1, c)), (from, to) -> {
                if (x.dtype() == DType.F64) {
                    MemorySegment s = x.segment();
                    for (int r = from; r < to; r++) {
                        long base = x.offset() + (long) r * c;
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        for (int k = 0; k < c; k++) max = Math.max(max, s.getAtIndex(DOUBLE, base + k));
                        for (int k = 0; k < c; k++) sum += Math.exp(s.getAtIndex(DOUBLE, base + k) - max);
                        rowLoss[r] = max + Math.log(sum) - s.getAtIndex(DOUBLE, base + t[r]);
                    }
                    return;
                }
                float[] row = new float[c], exps = new float[c];
                MemorySegment rowSegment = MemorySegment.ofArray(row), expSegment = MemorySegment.ofArray(exps);
                boolean direct = x.dtype() == DType.F32;
                for (int r = from; r < to; r++) {
                    long base = x.offset() + (long) r * c;
                    MemorySegment s = direct ? x.segment() : rowSegment;
                    long at = direct ? base * Float.BYTES : 0;
                    if (!direct) FloatRuns.read(x, base, 1, row, 0, c);
                    float max = FloatLanes.max(s, at, c);
                    float sum = FloatLanes.expShifted(s, at, max, expSegment, 0, c);
                    float target = s.get(FloatLanes.FLOAT, at + t[r] * Float.BYTES);
                    rowLoss[r] = (max - (double) target) + Math.log(sum);
                }
            });
        } finally {
            if (x != logits) x.close();
        }
        double total = 0;
        for (double l : rowLoss) total += l;
        Tensor out = Tensor.zeros(logits.dtype(), 1);
        out.setBitsAt(0, ScalarMath.encode(logits.dtype(), total / n));
        return out;
    }
}
