package dev.tessel.kernels.reference;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Gemm ops of the Reference backend. */
final class ReferenceGemm {
    private ReferenceGemm() {}

    public static Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        throw new UnsupportedOperationException("ReferenceGemm.matmul: not written yet");
    }
}
