package dev.tessel.kernels.reference;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Indexing ops of the Reference backend. */
final class ReferenceIndexing {
    private ReferenceIndexing() {}

    public static Tensor embedding(Tensor table, Tensor ids) {
        throw new UnsupportedOperationException("ReferenceIndexing.embedding: not written yet");
    }

    public static Tensor embeddingBackward(Tensor ids, Tensor gradOut, int rows) {
        throw new UnsupportedOperationException("ReferenceIndexing.embeddingBackward: not written yet");
    }

    public static Tensor oneHot(Tensor ids, int classes, DType dtype) {
        throw new UnsupportedOperationException("ReferenceIndexing.oneHot: not written yet");
    }

    public static Tensor softmaxCrossEntropy(Tensor logits, Tensor targets) {
        throw new UnsupportedOperationException("ReferenceIndexing.softmaxCrossEntropy: not written yet");
    }
}
