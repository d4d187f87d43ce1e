package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

/**
 * Validation for the indexing ops, shared by every backend.
 *
 * <p>Invariant: after a check returns, every id of the tensor checked lies in [0, size), so the
 * kernels may index with it unguarded. Ids are read once here and again by the kernel; the cost
 * is one integer pass, small next to the gather or scatter it protects.
 */
public final class IndexChecks {
    private IndexChecks() {}

    public static void checkEmbedding(Tensor table, Tensor ids) {
        OpChecks.requireFloat("embedding", table);
        OpChecks.requireIndex("embedding", ids);
        if (table.rank() != 2) {
            throw new IllegalArgumentException("embedding: table " + OpChecks.describe(table) + " must be [V, D] (ids "
                    + OpChecks.describe(ids) + ")");
        }
        checkIds("embedding", ids, table.dim(0));
    }

    public static void checkEmbeddingBackward(Tensor ids, Tensor gradOut, int rows) {
        OpChecks.requireIndex("embeddingBackward", ids);
        OpChecks.requireFloat("embeddingBackward", gradOut);
        if (rows < 0) throw new IllegalArgumentException("embeddingBackward: rows " + rows + " is negative");
        if (gradOut.rank() != ids.rank() + 1 || !appendDim(ids.shape(), gradOut.dim(-1)).equals(gradOut.shape())) {
            throw new IllegalArgumentException("embeddingBackward: gradOut " + OpChecks.describe(gradOut)
                    + " must be ids' shape plus one axis (ids " + OpChecks.describe(ids) + ")");
        }
        checkIds("embeddingBackward", ids, rows);
    }

    public static void checkOneHot(Tensor ids, int classes, DType dtype) {
        OpChecks.requireIndex("oneHot", ids);
        if (classes < 0) throw new IllegalArgumentException("oneHot: classes " + classes + " is negative (ids " + OpChecks.describe(ids) + ")");
        if (dtype.isFloating() && !OpChecks.isComputeFloat(dtype)) {
            throw new IllegalArgumentException("oneHot: dtype " + dtype + " is not supported (ids " + OpChecks.describe(ids) + ")");
        }
        checkIds("oneHot", ids, classes);
    }

    public static void checkCrossEntropy(Tensor logits, Tensor targets) {
        OpChecks.requireFloat("softmaxCrossEntropy", logits);
        OpChecks.requireIndex("softmaxCrossEntropy", targets);
        if (logits.rank() != 2 || targets.rank() != 1 || targets.dim(0) != logits.dim(0)) {
            throw new IllegalArgumentException("softmaxCrossEntropy: logits " + OpChecks.describe(logits)
                    + " must be [N, C] and targets " + OpChecks.describe(targets) + " must be [N]");
        }
        checkIds("softmaxCrossEntropy", targets, logits.dim(1));
    }

    /** Every id in [0, size), else an exception naming the first bad id and the size. */
    public static void checkIds(String op, Tensor ids, long size) {
        long count = ids.numel();
        for (long j = 0; j < count; j++) {
            long id = ids.getLong(j);
            if (id < 0 || id >= size) throw OpChecks.idOutOfRange(op, id, size, ids);
        }
    }

    /** {@code shape} with one more trailing axis of size {@code last}. */
    public static Shape appendDim(Shape shape, int last) {
        int[] dims = java.util.Arrays.copyOf(shape.toArray(), shape.rank() + 1);
        dims[shape.rank()] = last;
        return Shape.of(dims);
    }
}
