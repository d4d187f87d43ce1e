package dev.tessel.kernels.cuda;

import static jcuda.jcublas.JCublas2.*;

import dev.tessel.kernels.device.DeviceBuffer;
import dev.tessel.kernels.device.VendorGemm;
import dev.tessel.tensor.DType;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;

/**
 * GEMM variant 0: cuBLAS (cublasGemmStridedBatchedEx, f32 compute) behind the row-major operand
 * convention of gemm.cu. cuBLAS is column-major, so row-major C = op(A)·op(B) is computed as the
 * column-major C^T = op(B)^T·op(A)^T: B goes first, A second, M and N swap, and each operand's
 * "transposed" flag means the same thing in both conventions.
 *
 * <p>Invariant: used only through CudaApi (which makes its context current first); alpha and beta
 * are host pointers (the default pointer mode).
 */
final class CublasGemm implements VendorGemm {
    private final CudaApi api;
    private final cublasHandle handle = new cublasHandle();

    CublasGemm(CudaApi api) {
        this.api = api;
        jcuda.jcublas.JCublas2.setExceptionsEnabled(true);
        cublasCreate(handle);
    }

    @Override public void gemm(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DType in, DType out, int m, int n, int k,
                               boolean transposeA, boolean transposeB, long aBatchStride, long bBatchStride, int batches) {
        synchronized (api) {
            api.makeCurrent();
            Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
            int ldb = transposeB ? k : n, lda = transposeA ? m : k;
            cublasGemmStridedBatchedEx(handle,
                    transposeB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    transposeA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    n, m, k, one,
                    CudaApi.pointer(b), dataType(in), ldb, bBatchStride,
                    CudaApi.pointer(a), dataType(in), lda, aBatchStride,
                    zero, CudaApi.pointer(c), dataType(out), n, (long) m * n, batches,
                    cublasComputeType.CUBLAS_COMPUTE_32F, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
        }
    }

    private static int dataType(DType d) {
        return switch (d) {
            case F32 -> cudaDataType.CUDA_R_32F;
            case F16 -> cudaDataType.CUDA_R_16F;
            case BF16 -> cudaDataType.CUDA_R_16BF;
            default -> throw new IllegalArgumentException("cuBLAS GEMM: no CUDA data type for " + d);
        };
    }

    void close() { cublasDestroy(handle); }
}
