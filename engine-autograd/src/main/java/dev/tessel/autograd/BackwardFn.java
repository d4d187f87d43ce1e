// BackwardFn: the backward rule of one recorded op.
//
// Invariant: apply returns an array with exactly one entry per input of the op, in the order the
// inputs were given to Variable.fromOp; entry i is dL/d(input i) shaped like input i's value, or
// null when that input needs no gradient. A rule never modifies gradOut or a saved tensor.
package dev.tessel.autograd;

import dev.tessel.tensor.Tensor;

/**
 * The backward rule of one op: maps dL/d(output) to dL/d(each input).
 *
 * <p>It runs with recording off, on the backend the op's forward ran on (see {@link Autograd}),
 * so it may call backend kernels or {@link Ops} on plain tensors wrapped as constants. Broadcast
 * inputs must get their gradient reduced back to their own shape; the tape checks every shape
 * and throws IllegalStateException naming the op when a rule gets it wrong.
 */
@FunctionalInterface
public interface BackwardFn {
    Tensor[] apply(Tensor gradOut);
}
