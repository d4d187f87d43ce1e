// ReductionGradTest: float64 gradchecks of sum/mean/max along each axis (kept or dropped),
// softmax, log-softmax, layer norm and softmax cross-entropy.
//
// Invariant: max is checked on inputs without ties (a tie makes max non-differentiable).
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReductionGradTest {

    @ParameterizedTest
    @CsvSource({"0, true", "1, false", "2, true", "-1, false"})
    void sumMeanMaxAlongEachAxis(int axis, boolean keepDim) {
        gradcheck(v -> Ops.sum(v.get(0), axis, keepDim), uniform(1, -1, 1, 2, 3, 4));
        gradcheck(v -> Ops.mean(v.get(0), axis, keepDim), uniform(2, -1, 1, 2, 3, 4));
        gradcheck(v -> Ops.max(v.get(0), axis, keepDim), uniform(3, -1, 1, 2, 3, 4));
    }

    @Test
    void wholeTensorReductions() {
        gradcheck(v -> Ops.sumAll(v.get(0)), uniform(4, -1, 1, 3, 5));
        gradcheck(v -> Ops.meanAll(v.get(0)), uniform(5, -1, 1, 3, 5));
    }

    @ParameterizedTest
    @CsvSource({"0", "1", "-1"})
    void softmaxAndLogSoftmax(int axis) {
        gradcheck(v -> Ops.softmax(v.get(0), axis), uniform(6, -2, 2, 2, 3, 4));
        gradcheck(v -> Ops.logSoftmax(v.get(0), axis), uniform(7, -2, 2, 2, 3, 4));
    }

    @Test
    void layerNormWithAndWithoutAffine() {
        double eps = 1e-5;
        gradcheck(v -> Ops.layerNorm(v.get(0), v.get(1), v.get(2), eps),
                uniform(8, -2, 2, 2, 3, 5), uniform(9, 0.5, 1.5, 5), uniform(10, -0.5, 0.5, 5));
        gradcheck(v -> Ops.layerNorm(v.get(0), null, null, eps), uniform(11, -2, 2, 4, 6));
    }

    @Test
    void softmaxCrossEntropyAgainstTargets() {
        var targets = ids(12, 5, 4);
        gradcheck(v -> Ops.softmaxCrossEntropy(v.get(0), targets), uniform(13, -2, 2, 4, 5));
        // the loss composed with more graph above it: the [1] upstream gradient is not 1
        gradcheck(v -> Ops.mulScalar(Ops.softmaxCrossEntropy(v.get(0), targets), 3.5), uniform(14, -2, 2, 4, 5));
    }
}
