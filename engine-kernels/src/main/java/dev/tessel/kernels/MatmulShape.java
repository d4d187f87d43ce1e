package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;
import java.util.Arrays;

/**
 * The validated geometry of one {@link Backend#matmul} call, shared by every backend so that all
 * of them accept the same inputs and reject bad ones with the same message.
 * Invariant: m, k, n are the logical sizes after the transposes; batch is the broadcast batch shape.
 */
public record MatmulShape(int m, int k, int n, Shape batch) {

    public static MatmulShape of(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        DType d = a.dtype();
        if (d != b.dtype() || !(d == DType.F64 || d == DType.F32 || d == DType.F16 || d == DType.BF16)) {
            throw new IllegalArgumentException(where(a, b, transposeA, transposeB) + ": dtypes must match and be F64, F32, F16 or BF16");
        }
        if (a.rank() < 2 || b.rank() < 2) throw new IllegalArgumentException(where(a, b, transposeA, transposeB) + ": both operands need rank >= 2");
        int m = transposeA ? a.dim(-1) : a.dim(-2);
        int k = transposeA ? a.dim(-2) : a.dim(-1);
        int kb = transposeB ? b.dim(-1) : b.dim(-2);
        int n = transposeB ? b.dim(-2) : b.dim(-1);
        if (k != kb) throw new IllegalArgumentException(where(a, b, transposeA, transposeB) + ": inner dimensions " + k + " and " + kb + " differ");
        Shape batchA = Shape.of(Arrays.copyOf(a.shape().toArray(), a.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.shape().toArray(), b.rank() - 2));
        try {
            return new MatmulShape(m, k, n, Shape.broadcast("matmul", batchA, batchB));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where(a, b, transposeA, transposeB) + ": batch axes " + batchA + " and " + batchB + " do not broadcast");
        }
    }

    /** The operands as an error message names them (built only on error: the happy path is hot on small tensors). */
    private static String where(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        return "matmul: shapes " + a.dtype() + a.shape() + (transposeA ? "^T" : "") + " and " + b.dtype() + b.shape() + (transposeB ? "^T" : "");
    }

    /** Output shape: [...batch, m, n]. */
    public int[] outDims() {
        int[] out = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        out[batch.rank()] = m;
        out[batch.rank() + 1] = n;
        return out;
    }
}
