package dev.tessel.kernels.reference;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Reductions ops of the Reference backend. */
final class ReferenceReductions {
    private ReferenceReductions() {}

    public static Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim) {
        throw new UnsupportedOperationException("ReferenceReductions.reduce: not written yet");
    }

    public static Tensor argmax(Tensor x, int axis) {
        throw new UnsupportedOperationException("ReferenceReductions.argmax: not written yet");
    }

    public static Tensor softmax(Tensor x, int axis) {
        throw new UnsupportedOperationException("ReferenceReductions.softmax: not written yet");
    }

    public static Tensor logSoftmax(Tensor x, int axis) {
        throw new UnsupportedOperationException("ReferenceReductions.logSoftmax: not written yet");
    }

    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        throw new UnsupportedOperationException("ReferenceReductions.layerNorm: not written yet");
    }
}
