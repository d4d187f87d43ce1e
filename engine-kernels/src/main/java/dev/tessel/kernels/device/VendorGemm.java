package dev.tessel.kernels.device;

import dev.tessel.tensor.DType;

/**
 * A vendor GEMM (cuBLAS on CUDA) behind the same operand convention as gemm.cu: GEMM variant 0,
 * the baseline the hand-written kernels are measured against.
 *
 * <p>Invariant: a, b are dense row-major [batch', rows, cols] in their storage layout (a is
 * [M, K], or [K, M] when transposeA; b is [K, N], or [N, K] when transposeB); batch strides are in
 * elements (0 = shared by all batch items); c is dense [batch, M, N] in {@code out}.
 */
public interface VendorGemm {
    void gemm(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DType in, DType out, int m, int n, int k,
              boolean transposeA, boolean transposeB, long aBatchStride, long bBatchStride, int batches);
}
