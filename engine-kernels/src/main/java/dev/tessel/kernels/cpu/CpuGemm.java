package dev.tessel.kernels.cpu;

import dev.tessel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Gemm ops of the Cpu backend; {@link #sgemm} is the float32 entry point other Cpu kernels call. */
public final class CpuGemm {
    private CpuGemm() {}

    public static Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        throw new UnsupportedOperationException("CpuGemm.matmul: not written yet");
    }

    /**
     * C = A·B (+ C if accumulate) in float32; offsets and strides count elements. A (i,p) is at
     * aOffset + i*aRowStride + p*aColStride, B (p,j) at bOffset + p*bRowStride + j*bColStride,
     * C (i,j) at cOffset + i*cRowStride + j.
     */
    public static void sgemm(int m, int n, int k, MemorySegment a, long aOffset, long aRowStride, long aColStride,
                             MemorySegment b, long bOffset, long bRowStride, long bColStride,
                             MemorySegment c, long cOffset, long cRowStride, boolean accumulate) {
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT_UNALIGNED;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a.getAtIndex(f, aOffset + i * aRowStride + p * aColStride) * b.getAtIndex(f, bOffset + p * bRowStride + j * bColStride);
                }
                long ci = cOffset + i * cRowStride + j;
                c.setAtIndex(f, ci, accumulate ? c.getAtIndex(f, ci) + sum : sum);
            }
        }
    }
}
