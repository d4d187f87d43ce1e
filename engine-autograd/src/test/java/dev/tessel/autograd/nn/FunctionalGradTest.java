package dev.tessel.autograd.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.GradCheck;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Float64 finite-difference gradient checks of the DALL·E autograd rules in {@link Functional}
 * (gumbel-softmax soft and straight-through, masked attention, map_pixels, logit-Laplace NLL
 * elementwise and summed), on both backends, and the tape-level facts the rules promise.
 */
class FunctionalGradTest {
    private static final Backend[] BACKENDS = {Backends.reference(), Backends.cpu()};

    private static Tensor uniform(Random rnd, double lo, double hi, int... dims) {
        Tensor t = Tensor.zeros(DType.F64, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, lo + (hi - lo) * rnd.nextDouble());
        return t;
    }

    @Test
    void gumbelSoftmaxSoft() {
        Random rnd = new Random(41);
        Tensor logits = uniform(rnd, -2, 2, 2, 5, 3);
        Tensor u = uniform(rnd, 0.05, 0.95, 2, 5, 3);
        for (Backend b : BACKENDS) {
            try (var s = Autograd.backend(b)) {
                GradCheck.assertGradients(in -> Functional.gumbelSoftmax(in.get(0), u, 0.7, 1), List.of(logits));
                GradCheck.assertGradients(in -> Functional.gumbelSoftmax(in.get(0), u, 1.3, -1), List.of(logits));
            }
        }
    }

    @Test
    void gumbelSoftmaxHardIsOneHotWithTheSoftGradient() {
        Random rnd = new Random(42);
        Tensor logits = uniform(rnd, -2, 2, 3, 6);
        Tensor u = uniform(rnd, 0.05, 0.95, 3, 6);
        Tensor w = uniform(rnd, -1, 1, 3, 6);
        for (Backend b : BACKENDS) {
            try (var s = Autograd.backend(b)) {
                Variable soft = Variable.parameter(logits.copy()), hard = Variable.parameter(logits.copy());
                Variable ySoft = Functional.gumbelSoftmax(soft, u, 0.5, 1);
                Variable yHard = Functional.gumbelSoftmaxHard(hard, u, 0.5, 1);
                for (int r = 0; r < 3; r++) {
                    int best = 0;
                    for (int c = 1; c < 6; c++) if (ySoft.value().get(r, c) > ySoft.value().get(r, best)) best = c;
                    for (int c = 0; c < 6; c++) assertEquals(c == best ? 1.0 : 0.0, yHard.value().get(r, c), b.name() + " one-hot");
                }
                ySoft.backward(w);
                yHard.backward(w);
                assertArrayEquals(soft.grad().toDoubleArray(), hard.grad().toDoubleArray(), 0.0, b.name() + " straight-through gradient");
            }
        }
    }

    @Test
    void gumbelSoftmaxWithPhiloxNoise() {
        Random rnd = new Random(46);
        Tensor logits = uniform(rnd, -2, 2, 2, 7);
        long seed = 1234, offset = 10;
        Tensor u = Tensor.zeros(DType.F64, 2, 7);
        Philox.fillUniform(u, seed, offset);
        Variable drawn = Functional.gumbelSoftmax(Variable.constant(logits), seed, offset, 0.8, 1, false);
        Variable given = Functional.gumbelSoftmax(Variable.constant(logits), u, 0.8, 1);
        assertArrayEquals(given.value().toDoubleArray(), drawn.value().toDoubleArray(), 0.0, "noise is the (seed, offset) stream");
        Variable other = Functional.gumbelSoftmax(Variable.constant(logits), seed, offset + Philox.blocks(logits.numel()), 0.8, 1, false);
        assertFalse(java.util.Arrays.equals(drawn.value().toDoubleArray(), other.value().toDoubleArray()), "the next offset draws new noise");
        GradCheck.assertGradients(in -> Functional.gumbelSoftmax(in.get(0), seed, offset, 0.8, 1, false), List.of(logits));
        var narrow = assertThrows(IllegalArgumentException.class,
                () -> Functional.gumbelSoftmax(Variable.constant(Tensor.zeros(DType.F16, 2, 3)), seed, offset, 1.0, 1, true));
        assertTrue(narrow.getMessage().contains("F16"), narrow.getMessage());
    }

    @Test
    void maskedAttention() {
        Random rnd = new Random(43);
        Tensor q = uniform(rnd, -1, 1, 1, 2, 5, 3), k = uniform(rnd, -1, 1, 1, 2, 6, 3), v = uniform(rnd, -1, 1, 1, 2, 6, 4);
        Tensor mask = Tensor.zeros(DType.U8, 5, 6);
        for (int i = 0; i < 5; i++) for (int j = 0; j < 6; j++) mask.set(j <= i + 1 && (i + j) % 3 != 1 || j == i ? 1 : 0, i, j);
        for (Backend b : BACKENDS) {
            try (var s = Autograd.backend(b)) {
                GradCheck.assertGradients(in -> Functional.maskedAttention(in.get(0), in.get(1), in.get(2), mask), List.of(q, k, v));
            }
        }
    }

    @Test
    void pixelsAndLogitLaplaceNll() {
        Random rnd = new Random(44);
        Tensor pixels = uniform(rnd, 0, 1, 2, 3, 2);
        Tensor mu = uniform(rnd, -2, 2, 2, 3, 2), lnB = uniform(rnd, -1, 1, 2, 3, 2);
        double eps = Functional.LOGIT_LAPLACE_EPS;
        for (Backend b : BACKENDS) {
            try (var s = Autograd.backend(b)) {
                Tensor x = b.mapPixels(pixels, eps);
                GradCheck.assertGradients(in -> Functional.mapPixels(in.get(0), eps), List.of(pixels));
                GradCheck.assertGradients(in -> Functional.logitLaplaceNll(x, in.get(0), in.get(1)), List.of(mu, lnB));
                GradCheck.assertGradients(in -> Functional.logitLaplaceNllSum(x, in.get(0), in.get(1)), List.of(mu, lnB));
            }
        }
    }

    @Test
    void dataInputsGetNoGradientAndNoGradRecordsNothing() {
        Random rnd = new Random(45);
        Tensor x = Backends.reference().mapPixels(uniform(rnd, 0, 1, 4), 0.1);
        Variable mu = Variable.parameter(uniform(rnd, -1, 1, 4)), lnB = Variable.constant(uniform(rnd, -1, 1, 4));
        Variable nll = Functional.logitLaplaceNllSum(x, mu, lnB);
        nll.backward();
        assertNotNull(mu.grad());
        assertNull(lnB.grad(), "a constant gets no gradient");
        try (var off = Autograd.noGrad()) {
            assertFalse(Functional.logitLaplaceNllSum(x, mu, lnB).requiresGrad(), "nothing is recorded inside noGrad");
        }
    }
}
