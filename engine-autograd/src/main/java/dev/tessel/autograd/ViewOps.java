// ViewOps: the shape ops behind Ops.reshape/permute/transpose/slice/expand/concat and friends.
//
// Invariants: views share the input's storage (reshape copies only a non-contiguous input, as
// Tensor.reshape does; concat always copies into a fresh tensor); each rule maps the gradient
// back through the inverse of the view, and the gradient of expand is summed, never viewed.
package dev.tessel.autograd;

import static dev.tessel.autograd.GradMath.*;

import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

final class ViewOps {
    private ViewOps() {}

    static Variable reshape(Variable x, int... dims) {
        int[] original = x.shape();
        return Variable.fromOp("reshape", x.value().reshape(dims), List.of(x), g -> new Tensor[] {g.reshape(original)});
    }

    static Variable permute(Variable x, int... order) {
        Tensor y = x.value().permute(order);
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[x.value().shape().normalizeAxis(order[i])] = i;
        return Variable.fromOp("permute", y, List.of(x), g -> new Tensor[] {g.permute(inverse)});
    }

    static Variable transpose(Variable x, int axisA, int axisB) {
        Tensor y = x.value().transpose(axisA, axisB);
        return Variable.fromOp("transpose", y, List.of(x), g -> new Tensor[] {g.transpose(axisA, axisB)});
    }

    /** Elements [start, end) along axis; the gradient is zero outside the slice. */
    static Variable slice(Variable x, int axis, int start, int end) {
        Tensor xv = x.value();
        int ax = xv.shape().normalizeAxis(axis);
        return Variable.fromOp("slice", xv.slice(ax, start, end), List.of(x), new SliceGradient(xv, ax, start, end));
    }

    /**
     * The slice's rule. Backward does not call it: it writes the gradient straight into the
     * slice of the input's gradient buffer (Variable.propagate), so the slices of one tensor
     * (q, k and v of a fused projection) fill one buffer instead of each padding a whole-size
     * copy with zeros and the copies then being added; apply is the same rule spelled out.
     */
    record SliceGradient(Tensor input, int axis, int start, int end) implements BackwardFn {
        @Override public Tensor[] apply(Tensor gradOut) {
            Tensor dx = Tensor.zerosLaidOutLike(input);
            dx.slice(axis, start, end).copyFrom(gradOut);
            return new Tensor[] {dx};
        }
    }

    static Variable expand(Variable x, int... dims) {
        Shape xs = x.value().shape();
        return Variable.fromOp("expand", x.value().expand(dims), List.of(x), g -> new Tensor[] {sumToShape(g, xs)});
    }

    static Variable unsqueeze(Variable x, int axis) {
        Tensor y = x.value().unsqueeze(axis);
        int inserted = axis < 0 ? axis + y.rank() : axis;
        return Variable.fromOp("unsqueeze", y, List.of(x), g -> new Tensor[] {g.squeeze(inserted)});
    }

    static Variable squeeze(Variable x, int axis) {
        int removed = x.value().shape().normalizeAxis(axis);
        return Variable.fromOp("squeeze", x.value().squeeze(removed), List.of(x), g -> new Tensor[] {g.unsqueeze(removed)});
    }

    static Variable contiguous(Variable x) {
        return Variable.fromOp("contiguous", x.value().contiguous(), List.of(x), g -> new Tensor[] {g});
    }

    /** Joins tensors of one dtype whose shapes agree except along {@code axis}; always a copy. */
    static Variable concat(List<Variable> parts, int axis) {
        if (parts == null || parts.isEmpty()) throw new IllegalArgumentException("concat: no tensors given");
        Tensor first = parts.get(0).value();
        int ax = first.shape().normalizeAxis(axis);
        int[] dims = first.shape().toArray();
        dims[ax] = 0;
        for (Variable p : parts) {
            Tensor v = p.value();
            boolean sameOtherAxes = v.rank() == first.rank();
            for (int i = 0; sameOtherAxes && i < v.rank(); i++) sameOtherAxes = i == ax || v.dim(i) == first.dim(i);
            if (!sameOtherAxes || v.dtype() != first.dtype()) {
                throw new IllegalArgumentException("concat along axis " + ax + ": " + first.dtype() + first.shape() + " and "
                        + v.dtype() + v.shape() + " must share dtype and every other axis");
            }
            dims[ax] += v.dim(ax);
        }
        Tensor y = Tensor.zeros(first.dtype(), dims);
        List<int[]> ranges = new ArrayList<>();
        int offset = 0;
        for (Variable p : parts) {
            int size = p.value().dim(ax);
            y.slice(ax, offset, offset + size).copyFrom(p.value());
            ranges.add(new int[] {offset, offset + size});
            offset += size;
        }
        return Variable.fromOp("concat", y, parts, g -> {
            Tensor[] grads = new Tensor[ranges.size()];
            for (int i = 0; i < grads.length; i++) grads[i] = g.slice(ax, ranges.get(i)[0], ranges.get(i)[1]);
            return grads;
        });
    }
}
