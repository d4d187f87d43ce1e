package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Indexing ops of the Cpu backend. */
final class CpuIndexing {
    private CpuIndexing() {}

    public static Tensor embedding(Tensor table, Tensor ids) {
        throw new UnsupportedOperationException("CpuIndexing.embedding: not written yet");
    }

    public static Tensor embeddingBackward(Tensor ids, Tensor gradOut, int rows) {
        throw new UnsupportedOperationException("CpuIndexing.embeddingBackward: not written yet");
    }

    public static Tensor oneHot(Tensor ids, int classes, DType dtype) {
        throw new UnsupportedOperationException("CpuIndexing.oneHot: not written yet");
    }

    public static Tensor softmaxCrossEntropy(Tensor logits, Tensor targets) {
        throw new UnsupportedOperationException("CpuIndexing.softmaxCrossEntropy: not written yet");
    }
}
