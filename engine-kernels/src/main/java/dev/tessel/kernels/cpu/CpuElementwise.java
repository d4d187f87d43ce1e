package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Elementwise ops of the Cpu backend. */
final class CpuElementwise {
    private CpuElementwise() {}

    public static Tensor unary(UnaryOp op, Tensor x) {
        throw new UnsupportedOperationException("CpuElementwise.unary: not written yet");
    }

    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("CpuElementwise.binary: not written yet");
    }

    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("CpuElementwise.where: not written yet");
    }

    public static Tensor cast(Tensor x, DType target) {
        throw new UnsupportedOperationException("CpuElementwise.cast: not written yet");
    }
}
