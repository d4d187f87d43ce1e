package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Gemm ops of the Cpu backend. */
final class CpuGemm {
    private CpuGemm() {}

    public static Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        throw new UnsupportedOperationException("CpuGemm.matmul: not written yet");
    }
}
