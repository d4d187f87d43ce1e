// ViewGradTest: float64 gradchecks of the shape ops: reshape (view and copy), permute,
// transpose, slice, expand, unsqueeze/squeeze and concat; each composed with a multiply so the
// gradient arriving at the view is not all ones.
//
// Invariant: every view's gradient must come back in the input's own shape and order.
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;

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
