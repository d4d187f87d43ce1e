package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Reductions ops of the Cpu backend. */
final class CpuReductions {
    private CpuReductions() {}

    public static Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim) {
        throw new UnsupportedOperationException("CpuReductions.reduce: not written yet");
    }

    public static Tensor argmax(Tensor x, int axis) {
        throw new UnsupportedOperationException("CpuReductions.argmax: not written yet");
    }

    public static Tensor softmax(Tensor x, int axis) {
        throw new UnsupportedOperationException("CpuReductions.softmax: not written yet");
    }

    public static Tensor logSoftmax(Tensor x, int axis) {
        throw new UnsupportedOperationException("CpuReductions.logSoftmax: not written yet");
    }

    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        throw new UnsupportedOperationException("CpuReductions.layerNorm: not written yet");
    }
}
