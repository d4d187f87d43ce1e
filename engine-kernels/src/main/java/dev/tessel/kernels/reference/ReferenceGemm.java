package dev.tessel.kernels.reference;

import dev.tessel.kernels.MatmulShape;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

import java.util.Arrays;

/**
 * Batched matrix product of the Reference backend: the oracle every fast GEMM is checked against.
 *
 * <p>Invariant: plain scalar loops, every element read through the tensors' own strides and
 * decoded to double, every dot product summed in double; F64 inputs give F64, F32/F16/BF16 give
 * F32 (the double sum rounded once). Nothing here may depend on the Cpu backend.
 */
final class ReferenceGemm {
    private ReferenceGemm() {}

    public static Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        MatmulShape geometry = MatmulShape.of(a, b, transposeA, transposeB);
        int m = geometry.m(), k = geometry.k(), n = geometry.n();
        Shape batch = geometry.batch();
        int[] outDims = geometry.outDims();
        Tensor out = Tensor.zeros(a.dtype() == DType.F64 ? DType.F64 : DType.F32, outDims);

        // Element (i, p) of operand a sits at aBase + i*aRow + p*aCol; likewise b (p, j).
        long aRow = transposeA ? a.stride(-1) : a.stride(-2), aCol = transposeA ? a.stride(-2) : a.stride(-1);
        long bRow = transposeB ? b.stride(-1) : b.stride(-2), bCol = transposeB ? b.stride(-2) : b.stride(-1);
        long batches = batch.numel();
        int[] index = new int[batch.rank()];
        for (long t = 0; t < batches; t++) {
            long rest = t;
            for (int d = batch.rank() - 1; d >= 0; d--) {
                index[d] = (int) (rest % batch.dim(d));
                rest /= batch.dim(d);
            }
            long aBase = batchOffset(a, index), bBase = batchOffset(b, index);
            long cBase = t * (long) m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        double x = a.dtype().decode(a.bitsAt(aBase + i * aRow + p * aCol));
                        double y = b.dtype().decode(b.bitsAt(bBase + p * bRow + j * bCol));
                        sum += x * y;
                    }
                    out.setDouble(cBase + (long) i * n + j, sum);
                }
            }
        }
        return out;
    }

    /** Storage index of element [.., 0, 0] of operand x for the broadcast batch position {@code index}. */
    private static long batchOffset(Tensor x, int[] index) {
        long offset = x.offset();
        int lead = index.length - (x.rank() - 2);
        for (int d = 0; d < x.rank() - 2; d++) {
            if (x.dim(d) != 1) offset += index[lead + d] * x.stride(d);
        }
        return offset;
    }
}
