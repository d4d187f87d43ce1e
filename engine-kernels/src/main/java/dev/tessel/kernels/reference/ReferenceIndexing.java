package dev.tessel.kernels.reference;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Indexing ops of the Reference backend (embedding gather/scatter, one-hot, cross-entropy), in double.
 *
 * <p>Invariant: every id is range-checked before any element is written, through
 * {@link IndexChecks}, so a bad id is an IllegalArgumentException naming the id and the table size.
 */
final class ReferenceIndexing {
    private ReferenceIndexing() {}

    /** table [V, D], ids [...]: out [..., D] with out[j, :] = table[ids[j], :], copied bit for bit. */
    public static Tensor embedding(Tensor table, Tensor ids) {
        IndexChecks.checkEmbedding(table, ids);
        int d = table.dim(1);
        Tensor out = Tensor.zeros(table.dtype(), IndexChecks.appendDim(ids.shape(), d));
        long count = ids.numel();
        for (long j = 0; j < count; j++) {
            long row = ids.getLong(j);
            for (int k = 0; k < d; k++) out.setBitsAt(j * d + k, table.bitsAt(table.physicalIndex((int) row, k)));
        }
        return out;
    }

    /** gradOut [..., D] accumulated into [rows, D]; repeated ids add up. */
    public static Tensor embeddingBackward(Tensor ids, Tensor gradOut, int rows) {
        IndexChecks.checkEmbeddingBackward(ids, gradOut, rows);
        int d = gradOut.dim(-1);
        double[] acc = new double[Math.multiplyExact(rows, d)];
        long count = ids.numel();
        for (long j = 0; j < count; j++) {
            int row = (int) ids.getLong(j);
            for (int k = 0; k < d; k++) acc[row * d + k] += gradOut.getDouble(j * d + k);
        }
        Tensor out = Tensor.zeros(gradOut.dtype(), rows, d);
        for (int i = 0; i < acc.length; i++) out.setBitsAt(i, ScalarMath.encode(gradOut.dtype(), acc[i]));
        return out;
    }

    public static Tensor oneHot(Tensor ids, int classes, DType dtype) {
        IndexChecks.checkOneHot(ids, classes, dtype);
        Tensor out = Tensor.zeros(dtype, IndexChecks.appendDim(ids.shape(), classes));
        long one = ScalarMath.encode(dtype, 1.0);
        long count = ids.numel();
        for (long j = 0; j < count; j++) out.setBitsAt(j * classes + ids.getLong(j), one);
        return out;
    }

    /** Mean over the N rows of logsumexp(logits[n]) − logits[n, t[n]], max-subtracted. */
    public static Tensor softmaxCrossEntropy(Tensor logits, Tensor targets) {
        IndexChecks.checkCrossEntropy(logits, targets);
        int n = logits.dim(0), c = logits.dim(1);
        double total = 0;
        for (int r = 0; r < n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) max = Math.max(max, logits.get(r, k));
            double sum = 0;
            for (int k = 0; k < c; k++) sum += Math.exp(logits.get(r, k) - max);
            total += max + Math.log(sum) - logits.get(r, (int) targets.getLong(r));
        }
        Tensor out = Tensor.zeros(logits.dtype(), 1);
        out.setBitsAt(0, ScalarMath.encode(logits.dtype(), total / n));
        return out;
    }
}
