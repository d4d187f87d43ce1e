// LinearConvGradTest: float64 gradchecks of matmul (each transpose pair, batched, broadcast
// batch axes), conv2d (k = 1 and 3, with and without bias), 2x2 max-pool, nearest upsampling and
// embedding (the gather whose gradient is a scatter-add, with repeated ids).
//
// Invariant: shapes are tiny and odd-sized so every index path is exercised in well under a second.
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
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

    @Test
    void linearIsTheProductPlusBias() {
        gradcheck(v -> Ops.linear(v.get(0), v.get(1), v.get(2)), uniform(13, -1, 1, 3, 4), uniform(14, -1, 1, 5, 4), uniform(15, -1, 1, 5));
    }

    @Test
    void linearEqualsMatmulThenAddBitForBitOnEachBackend() {
        for (Backend backend : List.of(Backends.cpu(), Backends.reference())) {
            try (var scope = Autograd.backend(backend)) {
                // 37 x 70 · (45 x 70)ᵀ: above the small-product cutoff, so the Cpu backend's packed path runs
                List<Variable> fused = params(), composite = params();
                Variable y = Ops.linear(fused.get(0), fused.get(1), fused.get(2));
                Variable z = Ops.add(Ops.matmul(composite.get(0), composite.get(1), false, true), composite.get(2));
                assertArrayEquals(z.value().toFloatArray(), y.value().toFloatArray(), backend.name());
                Tensor seed = uniform(19, -1, 1, 37, 45).to(DType.F32);
                y.backward(seed);
                z.backward(seed);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(composite.get(i).grad().toFloatArray(), fused.get(i).grad().toFloatArray(), backend.name() + " input " + i);
                }
            }
        }
    }

    private static List<Variable> params() {
        return List.of(Variable.parameter(uniform(16, -1, 1, 37, 70).to(DType.F32)), Variable.parameter(uniform(17, -1, 1, 45, 70).to(DType.F32)),
                Variable.parameter(uniform(18, -1, 1, 45).to(DType.F32)));
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
