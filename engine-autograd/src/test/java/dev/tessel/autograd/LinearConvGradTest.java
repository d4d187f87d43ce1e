// LinearConvGradTest: float64 gradchecks of matmul (each transpose pair, batched, broadcast
// batch axes), conv2d (k = 1 and 3, with and without bias), 2x2 max-pool, nearest upsampling and
// embedding (the gather whose gradient is a scatter-add, with repeated ids).
//
// Invariant: shapes are tiny and odd-sized so every index path is exercised in well under a second.
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;

import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LinearConvGradTest {

    @ParameterizedTest
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void matmulWithEachTranspose(boolean ta, boolean tb) {
        // op(a) is [3,4] and op(b) is [4,5] whatever the flags
        Tensor a = ta ? uniform(1, -1, 1, 4, 3) : uniform(1, -1, 1, 3, 4);
        Tensor b = tb ? uniform(2, -1, 1, 5, 4) : uniform(2, -1, 1, 4, 5);
        gradcheck(v -> Ops.matmul(v.get(0), v.get(1), ta, tb), a, b);
    }

    @ParameterizedTest
    @CsvSource({"false, false", "true, true"})
    void batchedMatmulWithBroadcastBatchAxes(boolean ta, boolean tb) {
        Tensor a = ta ? uniform(3, -1, 1, 2, 1, 4, 3) : uniform(3, -1, 1, 2, 1, 3, 4);
        Tensor b = tb ? uniform(4, -1, 1, 3, 5, 4) : uniform(4, -1, 1, 3, 4, 5);
        gradcheck(v -> Ops.matmul(v.get(0), v.get(1), ta, tb), a, b);
    }

    @ParameterizedTest
    @CsvSource({"1", "3"})
    void conv2dWithBias(int k) {
        gradcheck(v -> Ops.conv2d(v.get(0), v.get(1), v.get(2)),
                uniform(5, -1, 1, 2, 2, 4, 5), uniform(6, -1, 1, 3, 2, k, k), uniform(7, -1, 1, 3));
    }

    @Test
    void conv2dWithoutBias() {
        gradcheck(v -> Ops.conv2d(v.get(0), v.get(1), null), uniform(8, -1, 1, 1, 3, 5, 3), uniform(9, -1, 1, 2, 3, 3, 3));
    }

    @Test
    void maxPoolRoutesToTheWindowMaximum() {
        gradcheck(v -> Ops.maxPool2x2(v.get(0)), uniform(10, -1, 1, 2, 2, 4, 6));
    }

    @Test
    void upsampleSumsEachBlock() {
        gradcheck(v -> Ops.upsampleNearest2x(v.get(0)), uniform(11, -1, 1, 1, 2, 3, 2));
    }

    @Test
    void embeddingScatterAddsRepeatedIds() {
        Tensor ids = Tensor.ofLongs(new long[] {4, 0, 4, 2, 2, 4}, 2, 3);
        gradcheck(v -> Ops.embedding(v.get(0), ids), uniform(12, -1, 1, 5, 3));
    }
}
