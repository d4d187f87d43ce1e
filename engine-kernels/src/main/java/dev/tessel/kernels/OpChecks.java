package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

/**
 * Argument validation shared by every backend, so that all backends reject the same inputs with
 * the same messages.
 *
 * <p>Invariant: every failure is an IllegalArgumentException whose message starts with the op
 * name and shows each offending tensor as dtype+shape (e.g. {@code F32[2, 3]}); a backend calls
 * these before touching any element, so no index exception can escape from a kernel loop.
 */
public final class OpChecks {
    private OpChecks() {}

    public static String describe(Tensor t) { return t.dtype() + "" + t.shape(); }

    public static boolean isComputeFloat(DType d) {
        return d == DType.F64 || d == DType.F32 || d == DType.F16 || d == DType.BF16;
    }

    public static boolean isIndex(DType d) { return d == DType.I32 || d == DType.I64; }

    public static void requireFloat(String op, Tensor x) {
        if (!isComputeFloat(x.dtype())) {
            throw new IllegalArgumentException(op + ": input " + describe(x) + " must be F64, F32, F16 or BF16");
        }
    }

    public static void requireSameFloat(String op, Tensor a, Tensor b) {
        requireSameDtype(op, a, b);
        requireFloat(op, a);
    }

    public static void requireSameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + describe(a) + " and " + describe(b));
        }
    }

    public static void requireIndex(String op, Tensor ids) {
        if (!isIndex(ids.dtype())) {
            throw new IllegalArgumentException(op + ": ids " + describe(ids) + " must be I32 or I64");
        }
    }

    /** Normalised axis; a negative axis counts from the end. */
    public static int axis(String op, Tensor x, int axis) {
        int rank = x.rank();
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for " + describe(x));
        }
        return a;
    }

    /** NumPy broadcast of the two shapes; the message names both tensors. */
    public static Shape broadcast(String op, Tensor a, Tensor b) {
        return broadcast(op, a.shape(), b.shape(), a, b);
    }

    public static Shape broadcast(String op, Shape a, Shape b, Tensor first, Tensor second) {
        try {
            return Shape.broadcast(op, a, b);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": shapes cannot be broadcast together: "
                    + describe(first) + " and " + describe(second), e);
        }
    }

    /** An id known to lie outside [0, size). */
    public static IllegalArgumentException idOutOfRange(String op, long id, long size, Tensor ids) {
        return new IllegalArgumentException(op + ": id " + id + " is out of range [0, " + size + ") for a table of size "
                + size + " (ids " + describe(ids) + ")");
    }

    /** Shape with {@code axis} removed, or set to 1 when {@code keepDim}. */
    public static int[] reducedDims(Shape shape, int axis, boolean keepDim) {
        int[] dims = shape.toArray();
        if (keepDim) {
            dims[axis] = 1;
            return dims;
        }
        int[] out = new int[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) if (i != axis) out[j++] = dims[i];
        return out;
    }

    /** Product of the dims before {@code axis}. */
    public static int outerSize(Shape shape, int axis) {
        long n = 1;
        for (int i = 0; i < axis; i++) n *= shape.dim(i);
        return Math.toIntExact(n);
    }

    /** Product of the dims after {@code axis}. */
    public static int innerSize(Shape shape, int axis) {
        long n = 1;
        for (int i = axis + 1; i < shape.rank(); i++) n *= shape.dim(i);
        return Math.toIntExact(n);
    }

    /** x float of rank ≥ 1, weight and bias [C] of x's dtype or null. */
    public static void checkLayerNorm(Tensor x, Tensor weight, Tensor bias) {
        OpChecks.requireFloat("layerNorm", x);
        if (x.rank() == 0) throw new IllegalArgumentException("layerNorm: input " + OpChecks.describe(x) + " needs rank >= 1");
        Shape channels = Shape.of(x.dim(-1));
        for (Tensor p : new Tensor[] {weight, bias}) {
            if (p == null) continue;
            OpChecks.requireSameDtype("layerNorm", x, p);
            if (!p.shape().equals(channels)) {
                throw new IllegalArgumentException("layerNorm: parameter " + OpChecks.describe(p) + " must have shape "
                        + channels + " to match input " + OpChecks.describe(x));
            }
        }
    }

    /** layerNormBackward: layerNorm's checks, and an upstream gradient of x's shape and dtype. */
    public static void checkLayerNormBackward(Tensor x, Tensor weight, Tensor gradOut) {
        checkLayerNorm(x, weight, null);
        requireSameDtype("layerNormBackward", x, gradOut);
        if (!gradOut.shape().equals(x.shape())) {
            throw new IllegalArgumentException("layerNormBackward: gradient " + describe(gradOut) + " must have the shape of the input " + describe(x));
        }
    }

    /** The eight plain dtypes (F64 F32 F16 BF16 I32 I64 U8 BOOL) cast to one another; the moment formats do not. */
    public static void requireCastable(Tensor x, DType target) {
        if (!castable(x.dtype()) || !castable(target)) {
            throw new IllegalArgumentException("cast: cannot cast " + describe(x) + " to " + target
                    + "; supported: F64 F32 F16 BF16 I32 I64 U8 BOOL");
        }
    }

    private static boolean castable(DType d) { return isComputeFloat(d) || !d.isFloating(); }
}
