package dev.tessel.kernels.reference;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Elementwise ops of the Reference backend. */
final class ReferenceElementwise {
    private ReferenceElementwise() {}

    public static Tensor unary(UnaryOp op, Tensor x) {
        throw new UnsupportedOperationException("ReferenceElementwise.unary: not written yet");
    }

    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("ReferenceElementwise.binary: not written yet");
    }

    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("ReferenceElementwise.where: not written yet");
    }

    public static Tensor cast(Tensor x, DType target) {
        throw new UnsupportedOperationException("ReferenceElementwise.cast: not written yet");
    }
}
