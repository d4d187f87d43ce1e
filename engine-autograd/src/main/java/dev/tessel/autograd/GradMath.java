// GradMath: tensor arithmetic for backward rules, on the backend of the current scope.
//
// Invariant: every helper returns a tensor of the shape its comment states and never writes to
// an argument; scalars become rank-0 tensors of the other operand's dtype, so they broadcast.
package dev.tessel.autograd;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.ReduceOp;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

final class GradMath {
    private GradMath() {}

    static Backend be() { return Autograd.currentBackend(); }

    static Tensor scalar(Tensor like, double v) { return Tensor.scalar(like.dtype(), v); }

    static Tensor plus(Tensor a, Tensor b) { return be().binary(BinaryOp.ADD, a, b); }

    static Tensor minus(Tensor a, Tensor b) { return be().binary(BinaryOp.SUB, a, b); }

    static Tensor times(Tensor a, Tensor b) { return be().binary(BinaryOp.MUL, a, b); }

    static Tensor over(Tensor a, Tensor b) { return be().binary(BinaryOp.DIV, a, b); }

    static Tensor times(Tensor a, double s) { return be().binary(BinaryOp.MUL, a, scalar(a, s)); }

    static Tensor plus(Tensor a, double s) { return be().binary(BinaryOp.ADD, a, scalar(a, s)); }

    /** s - a. */
    static Tensor rsub(double s, Tensor a) { return be().binary(BinaryOp.SUB, scalar(a, s), a); }

    static Tensor apply(UnaryOp op, Tensor x) { return be().unary(op, x); }

    /** 1 where a > b, else 0, in a's dtype. */
    static Tensor greaterMask(Tensor a, Tensor b) { return be().binary(BinaryOp.GREATER, a, b); }

    static Tensor equalMask(Tensor a, Tensor b) { return be().binary(BinaryOp.EQUAL, a, b); }

    /** Sum along {@code axis}, keeping it as size 1. */
    static Tensor sumKeep(Tensor x, int axis) { return be().reduce(ReduceOp.SUM, x, axis, true); }

    /**
     * Reduces a gradient of a broadcast result back to the shape of the operand that was
     * broadcast: leading axes the operand lacked are summed away, axes where it had size 1 are
     * summed keeping size 1.
     */
    static Tensor sumToShape(Tensor g, Shape target) {
        if (g.shape().equals(target)) return g;
        Tensor r = g;
        int extra = g.rank() - target.rank();
        if (extra < 0) {
            throw new IllegalStateException("sumToShape: gradient " + g.shape() + " has fewer axes than its operand " + target);
        }
        for (int i = 0; i < extra; i++) r = be().reduce(ReduceOp.SUM, r, 0, false);
        for (int axis = 0; axis < target.rank(); axis++) {
            if (target.dim(axis) == 1 && r.dim(axis) != 1) r = sumKeep(r, axis);
        }
        if (!r.shape().equals(target)) {
            throw new IllegalStateException("sumToShape: gradient " + g.shape() + " cannot be reduced to operand shape " + target);
        }
        return r;
    }

    /** Inserts a size-1 axis at {@code axis} unless it was kept, then broadcasts to {@code shape}. */
    static Tensor expandBack(Tensor g, int axis, boolean keepDim, Shape shape) {
        Tensor kept = keepDim ? g : g.unsqueeze(axis);
        return kept.expand(shape.toArray());
    }

    /** Sum over every axis but the last: [..., C] -> [C]. */
    static Tensor sumToLastAxis(Tensor g) {
        int c = g.dim(-1);
        return be().reduce(ReduceOp.SUM, g.reshape(-1, c), 0, false);
    }
}
