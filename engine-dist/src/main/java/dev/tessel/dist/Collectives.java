// Collectives: argument checks shared by every Communicator, and the byte view of a tensor.
//
// Invariant: a tensor handed to a transport is contiguous and of a dtype the collectives accept,
// so its elements are exactly the bytes [byteOffset, byteOffset + numel·byteSize) of its segment.
package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

final class Collectives {
    /** Dtypes the collectives move and sum (integers are moved only by allGather and broadcast). */
    static final Set<DType> REDUCIBLE = EnumSet.of(DType.F32, DType.F64, DType.F16, DType.BF16, DType.MEAN_1_6_9);

    private Collectives() {}

    static void check(String op, Tensor t) {
        if (t == null) throw new IllegalArgumentException(op + ": tensor is null");
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(op + ": tensor " + t.dtype() + t.shape() + " must be contiguous (pass t.contiguous() and copy back)");
        }
        if (op.equals("allReduce") && !REDUCIBLE.contains(t.dtype())) {
            throw new IllegalArgumentException(op + ": cannot sum dtype " + t.dtype() + "; expected one of " + REDUCIBLE);
        }
    }

    /** {@code big} must hold exactly factor·numel(small) elements of small's dtype. */
    static void checkPair(String op, Tensor big, Tensor small, int factor) {
        check(op, big);
        check(op, small);
        if (big.dtype() != small.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + big.dtype() + big.shape() + " and " + small.dtype() + small.shape());
        }
        if (op.equals("reduceScatter") && !REDUCIBLE.contains(big.dtype())) {
            throw new IllegalArgumentException(op + ": cannot sum dtype " + big.dtype() + "; expected one of " + REDUCIBLE);
        }
        if (big.numel() != (long) factor * small.numel()) {
            throw new IllegalArgumentException(op + ": the group has " + factor + " ranks, so " + big.shape() + " (" + big.numel()
                    + " elements) must hold " + factor + " x " + small.shape() + " (" + small.numel() + ")");
        }
    }

    static MemorySegment bytesOf(Tensor t) {
        return t.segment().asSlice(t.byteOffset(), t.numel() * t.dtype().byteSize());
    }
}
