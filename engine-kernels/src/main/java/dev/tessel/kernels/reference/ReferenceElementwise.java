package dev.tessel.kernels.reference;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

/**
 * Elementwise ops of the Reference backend: one loop over the logical (row-major) output index,
 * reading inputs through broadcast views, computing in double with {@link ScalarMath}, rounding
 * once into the output dtype.
 *
 * <p>Invariant: no fast paths here; this is the oracle the Cpu backend is tested against.
 */
final class ReferenceElementwise {
    private ReferenceElementwise() {}

    public static Tensor unary(UnaryOp op, Tensor x) {
        OpChecks.requireFloat("unary " + op, x);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        long n = x.numel();
        for (long i = 0; i < n; i++) out.setBitsAt(i, ScalarMath.encode(x.dtype(), ScalarMath.unary(op, x.getDouble(i))));
        return out;
    }

    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = "binary " + op;
        OpChecks.requireSameFloat(name, a, b);
        Shape shape = OpChecks.broadcast(name, a, b);
        Tensor av = a.expand(shape.toArray()), bv = b.expand(shape.toArray());
        Tensor out = Tensor.zeros(a.dtype(), shape);
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            out.setBitsAt(i, ScalarMath.encode(a.dtype(), ScalarMath.binary(op, av.getDouble(i), bv.getDouble(i))));
        }
        return out;
    }

    /** Copies raw bits, so it works for every dtype and keeps NaN payloads and -0.0 intact. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        if (condition.dtype() != DType.BOOL && condition.dtype() != DType.U8) {
            throw new IllegalArgumentException("where: condition " + OpChecks.describe(condition) + " must be BOOL or U8");
        }
        OpChecks.requireSameDtype("where", a, b);
        Shape ab = OpChecks.broadcast("where", a, b);
        Shape shape = OpChecks.broadcast("where", condition.shape(), ab, condition, a);
        int[] dims = shape.toArray();
        Tensor cv = condition.expand(dims), av = a.expand(dims), bv = b.expand(dims);
        Tensor out = Tensor.zeros(a.dtype(), shape);
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            Tensor pick = cv.getLong(i) != 0 ? av : bv;
            out.setBitsAt(i, pick.bitsAt(pick.physicalIndex(i)));
        }
        return out;
    }

    /**
     * Float sources go through double (exact for every float dtype); integer sources go through
     * long so that I64 values beyond 2^53 survive an integer-to-integer cast.
     */
    public static Tensor cast(Tensor x, DType target) {
        OpChecks.requireCastable(x, target);
        Tensor out = Tensor.zeros(target, x.shape());
        long n = x.numel();
        boolean integerSource = !x.dtype().isFloating();
        for (long i = 0; i < n; i++) {
            long bits = integerSource && !target.isFloating()
                    ? ScalarMath.encodeInteger(target, x.getLong(i))
                    : ScalarMath.encode(target, integerSource ? (double) x.getLong(i) : x.getDouble(i));
            out.setBitsAt(i, bits);
        }
        return out;
    }
}
