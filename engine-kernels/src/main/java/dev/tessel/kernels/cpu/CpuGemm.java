package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Gemm ops of the Cpu backend. */
final class CpuGemm {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private CpuGemm() {}

    public static Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        throw new UnsupportedOperationException("CpuGemm.matmul: not written yet");
    }

    /**
     * C = A·B (+ old C if accumulate), float32; A is m x k, B is k x n, addressed by element
     * offsets and strides; C(i,j) at cOffset + i*cRowStride + j. Runs on the calling thread.
     */
    public static void sgemm(int m, int n, int k, MemorySegment a, long aOffset, long aRowStride, long aColStride,
                             MemorySegment b, long bOffset, long bRowStride, long bColStride,
                             MemorySegment c, long cOffset, long cRowStride, boolean accumulate) {
        float[] row = new float[n];
        float[] bRow = new float[n];
        for (int i = 0; i < m; i++) {
            long cRow = cOffset + i * cRowStride;
            for (int j = 0; j < n; j++) row[j] = accumulate ? c.getAtIndex(F, cRow + j) : 0f;
            for (int p = 0; p < k; p++) {
                float aip = a.getAtIndex(F, aOffset + i * aRowStride + p * aColStride);
                long bp = bOffset + p * bRowStride;
                for (int j = 0; j < n; j++) bRow[j] = b.getAtIndex(F, bp + j * bColStride);
                for (int j = 0; j < n; j++) row[j] += aip * bRow[j];
            }
            for (int j = 0; j < n; j++) c.setAtIndex(F, cRow + j, row[j]);
        }
    }
}
