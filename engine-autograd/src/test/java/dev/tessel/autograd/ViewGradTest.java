// ViewGradTest: float64 gradchecks of the shape ops: reshape (view and copy), permute,
// transpose, slice, expand, unsqueeze/squeeze and concat; each composed with a multiply so the
// gradient arriving at the view is not all ones.
//
// Invariant: every view's gradient must come back in the input's own shape and order.
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViewGradTest {

    @Test
    void reshapeOfContiguousAndOfPermutedInput() {
        gradcheck(v -> Ops.reshape(v.get(0), 4, -1), uniform(1, -1, 1, 2, 3, 4));
        gradcheck(v -> Ops.reshape(Ops.permute(v.get(0), 2, 0, 1), 6, 4), uniform(2, -1, 1, 2, 3, 4));
    }

    @Test
    void permuteAndTranspose() {
        gradcheck(v -> Ops.mul(Ops.permute(v.get(0), 1, 2, 0), v.get(1)), uniform(3, -1, 1, 2, 3, 4), uniform(4, -1, 1, 3, 4, 2));
        gradcheck(v -> Ops.mul(Ops.transpose(v.get(0), 0, 2), v.get(1)), uniform(5, -1, 1, 2, 3, 4), uniform(6, -1, 1, 4, 3, 2));
    }

    @Test
    void sliceGradientIsZeroOutside() {
        gradcheck(v -> Ops.slice(v.get(0), 1, 1, 3), uniform(7, -1, 1, 2, 4, 3));
    }

    @Test
    void slicesOfOnePermutedTensorFillOneGradient() {
        // the fused q, k, v projection: a permuted view split in three along its first axis
        gradcheck(v -> {
            Variable split = Ops.permute(v.get(0), 2, 0, 1);
            Variable q = Ops.slice(split, 0, 0, 1), k = Ops.slice(split, 0, 1, 2), w = Ops.slice(split, 0, 2, 3);
            return Ops.add(Ops.mul(q, k), Ops.mul(w, w));
        }, uniform(15, -1, 1, 2, 4, 3));
    }

    @Test
    void slicesMixedWithWholeUsesOverlapsAndOtherAxes() {
        // x gets, in this order: a whole-tensor gradient, two overlapping slices, a slice along
        // another axis, then a slice first and a whole use after it (on y)
        gradcheck(v -> {
            Variable x = Ops.mul(v.get(0), v.get(1));
            Variable whole = Ops.sumAll(Ops.mul(x, x));
            Variable a = Ops.sumAll(Ops.mul(Ops.slice(x, 1, 0, 3), Ops.slice(x, 1, 1, 4)));
            Variable c = Ops.sumAll(Ops.mul(Ops.slice(x, 0, 1, 2), Ops.slice(x, 0, 0, 1)));
            Variable y = Ops.mul(v.get(1), v.get(1));
            Variable d = Ops.add(Ops.sumAll(Ops.slice(y, 1, 2, 4)), Ops.sumAll(Ops.mul(y, v.get(0))));
            return Ops.add(Ops.add(whole, a), Ops.add(c, d));
        }, uniform(16, -1, 1, 2, 4), uniform(17, -1, 1, 2, 4));
    }

    @Test
    void aParameterGradientBuiltFromSlicesIsDenseAndItsOwn() {
        Variable p = Variable.parameter(uniform(18, -1, 1, 4, 3));
        Variable split = Ops.transpose(p, 0, 1);                          // (3, 4), a permuted view
        Variable loss = Ops.add(Ops.sumAll(Ops.slice(split, 0, 0, 1)), Ops.sumAll(Ops.mulScalar(Ops.slice(split, 0, 2, 3), 2.0)));
        loss.backward();
        Tensor g = p.grad();
        assertTrue(g.isContiguous(), "an optimizer expects a dense gradient");
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(new double[] {1, 0, 2}, new double[] {g.get(i, 0), g.get(i, 1), g.get(i, 2)});
        }
    }

    @Test
    void expandSumsOverTheBroadcastAxes() {
        gradcheck(v -> Ops.mul(Ops.expand(v.get(0), 2, 3, 4), v.get(1)), uniform(8, -1, 1, 3, 1), uniform(9, -1, 1, 2, 3, 4));
    }

    @Test
    void unsqueezeAndSqueeze() {
        gradcheck(v -> Ops.squeeze(Ops.mul(Ops.unsqueeze(v.get(0), 1), v.get(1)), 1), uniform(10, -1, 1, 3, 4), uniform(11, -1, 1, 3, 1, 4));
    }

    @Test
    void concatSplitsTheGradient() {
        gradcheck(v -> Ops.mul(Ops.concat(List.of(v.get(0), v.get(1)), 1), v.get(2)),
                uniform(12, -1, 1, 2, 1, 3), uniform(13, -1, 1, 2, 2, 3), uniform(14, -1, 1, 2, 3, 3));
    }
}
