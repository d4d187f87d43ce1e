package dev.tessel.kernels.attention;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The validated sizes of a block-sparse attention call, shared by every backend so they accept
 * and reject the same inputs with the same messages.
 *
 * <p>Layout (sequence order, any strides): q [B, heads, N, D], k [B, heads, N, D],
 * v [B, heads, N, Dv], with N = layout.length(); out [B, heads, N, Dv] in q's dtype;
 * logSumExp [B, heads, N] of the scaled visible scores q·k/√D, F32 (F64 for F64 inputs), -inf for
 * a query that sees no key. q, k and v share one float dtype: F64 is computed in double, F32, F16
 * and BF16 in float.
 */
public record SparseAttentionShapes(int batch, int heads, int length, int d, int dv, DType dtype) {

    public static SparseAttentionShapes check(String op, Tensor q, Tensor k, Tensor v, BlockLayout layout) {
        if (layout == null) throw new IllegalArgumentException(op + ": the block layout is null");
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw new IllegalArgumentException(op + ": expected q [B,H,N,D], k [B,H,N,D], v [B,H,N,Dv], got q " + q.shape() + ", k "
                    + k.shape() + ", v " + v.shape());
        }
        int b = q.dim(0), h = q.dim(1), n = q.dim(2), d = q.dim(3), dv = v.dim(3);
        boolean agree = k.dim(0) == b && k.dim(1) == h && k.dim(2) == n && k.dim(3) == d && v.dim(0) == b && v.dim(1) == h && v.dim(2) == n;
        if (!agree) {
            throw new IllegalArgumentException(op + ": shapes do not agree: q " + q.shape() + ", k " + k.shape() + ", v " + v.shape()
                    + " (want k [B,H,N,D] and v [B,H,N,Dv] with q's B, H, N)");
        }
        if (n != layout.length()) {
            throw new IllegalArgumentException(op + ": q has " + n + " positions " + q.shape() + " but the layout covers " + layout.length()
                    + " (" + layout + ")");
        }
        if (!q.dtype().isFloating() || k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
            throw new IllegalArgumentException(op + ": q, k, v must share one float dtype, got " + q.dtype() + ", " + k.dtype() + ", " + v.dtype());
        }
        if (d == 0 || dv == 0) throw new IllegalArgumentException(op + ": head widths must be >= 1, got q " + q.shape() + ", v " + v.shape());
        return new SparseAttentionShapes(b, h, n, d, dv, q.dtype());
    }

    /** The dtype of logSumExp for inputs of {@code dtype}. */
    public static DType statsDtype(DType dtype) { return dtype == DType.F64 ? DType.F64 : DType.F32; }

    /** Checks the forward results and the upstream gradient handed to a backward pass. */
    public void checkBackward(String op, Tensor out, Tensor logSumExp, Tensor gradOut) {
        checkTensor(op, "out", out, dtype, batch, heads, length, dv);
        checkTensor(op, "gradOut", gradOut, dtype, batch, heads, length, dv);
        checkTensor(op, "logSumExp", logSumExp, statsDtype(dtype), batch, heads, length);
    }

    private static void checkTensor(String op, String name, Tensor t, DType dtype, int... dims) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " is null");
        if (t.dtype() != dtype || !java.util.Arrays.equals(t.shape().toArray(), dims)) {
            throw new IllegalArgumentException(op + ": " + name + " is " + t.dtype() + t.shape() + ", expected " + dtype
                    + java.util.Arrays.toString(dims));
        }
    }
}
