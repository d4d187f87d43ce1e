package dev.tessel.autograd.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.autograd.optim.GradClipping;
import dev.tessel.autograd.optim.Schedule;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Layer forwards on the Reference backend in float64 against hand-written loops, gradients
 * reaching every parameter, and a small end-to-end fit (Linear + AdamW + cosine schedule +
 * clipping) that must drive its loss down.
 */
class LayerForwardTest {
    private static Tensor randn(Random rnd, int... dims) {
        Tensor t = Tensor.zeros(DType.F64, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, rnd.nextGaussian());
        return t;
    }

    @Test
    void linearIsXTimesWeightTransposedPlusBias() {
        Random rnd = new Random(51);
        try (var s = Autograd.backend(Backends.reference())) {
            Linear lin = new Linear(5, 3, true, DType.F64, rnd);
            Tensor x = randn(rnd, 2, 4, 5);
            Variable y = lin.forward(Variable.constant(x));
            assertArrayEquals(new int[] {2, 4, 3}, y.shape());
            Tensor w = lin.weight().value(), b = lin.bias().value();
            for (int i = 0; i < 2; i++) {
                for (int t = 0; t < 4; t++) {
                    for (int o = 0; o < 3; o++) {
                        double acc = b.getDouble(o);
                        for (int k = 0; k < 5; k++) acc += x.get(i, t, k) * w.get(o, k);
                        assertEquals(acc, y.value().get(i, t, o), 1e-12, "y[" + i + "," + t + "," + o + "]");
                    }
                }
            }
            Ops.sumAll(y).backward();
            assertArrayEquals(new int[] {3, 5}, lin.weight().grad().shape().toArray());
            assertEquals(8.0, lin.bias().grad().getDouble(0), 1e-12, "d sum / d bias = number of rows");
        }
    }

    @Test
    void conv2dLayerNormAndEmbeddingForward() {
        Random rnd = new Random(52);
        try (var s = Autograd.backend(Backends.reference())) {
            Conv2d conv = new Conv2d(2, 3, 3, DType.F64, rnd);
            Tensor x = randn(rnd, 1, 2, 4, 5);
            Variable y = conv.forward(Variable.constant(x));
            assertArrayEquals(new int[] {1, 3, 4, 5}, y.shape());
            // interior pixel (1,1) of output channel 2: the full 3x3 window, zero bias
            double acc = 0;
            for (int c = 0; c < 2; c++) for (int u = 0; u < 3; u++) for (int v = 0; v < 3; v++) acc += x.get(0, c, u, v) * conv.w().value().get(2, c, u, v);
            assertEquals(acc, y.value().get(0, 2, 1, 1), 1e-12);
            Ops.sumAll(y).backward();
            assertNotNull(conv.w().grad());
            assertNotNull(conv.b().grad());

            LayerNorm norm = new LayerNorm(6, 1e-5, DType.F64);
            Variable n = norm.forward(Variable.constant(randn(rnd, 3, 6)));
            for (int r = 0; r < 3; r++) {
                double mean = 0, sq = 0;
                for (int c = 0; c < 6; c++) mean += n.value().get(r, c) / 6;
                for (int c = 0; c < 6; c++) sq += Math.pow(n.value().get(r, c) - mean, 2) / 6;
                assertEquals(0, mean, 1e-12, "row mean");
                assertEquals(1, sq, 1e-4, "row variance (eps 1e-5 shrinks it slightly)");
            }

            Embedding emb = new Embedding(7, 4, DType.F64, rnd);
            Variable e = emb.forward(Tensor.ofLongs(new long[] {6, 0, 6}, 3));
            for (int c = 0; c < 4; c++) {
                assertEquals(emb.weight().value().get(6, c), e.value().get(0, c));
                assertEquals(emb.weight().value().get(0, c), e.value().get(1, c));
            }
        }
    }

    @Test
    void linearFitWithAdamWScheduleAndClippingReducesTheLoss() {
        Random rnd = new Random(53);
        try (var s = Autograd.backend(Backends.reference())) {
            Linear lin = new Linear(3, 2, true, DType.F64, rnd);
            Tensor x = randn(rnd, 32, 3);
            Tensor trueW = randn(rnd, 2, 3);
            Tensor target = Tensor.zeros(DType.F64, 32, 2);
            for (int n = 0; n < 32; n++) {
                for (int o = 0; o < 2; o++) {
                    double acc = 0.5 * o;
                    for (int k = 0; k < 3; k++) acc += x.get(n, k) * trueW.get(o, k);
                    target.set(acc, n, o);
                }
            }
            AdamW adam = new AdamW(lin.parameters(), 0.05, 0.9, 0.999, 1e-8, 0);
            Schedule lr = Schedule.cosine(0.05, 0.005, 150);
            double first = 0, last = 0;
            for (int step = 0; step < 150; step++) {
                adam.zeroGrad();
                Variable diff = Ops.sub(lin.forward(Variable.constant(x)), Variable.constant(target));
                Variable loss = Ops.meanAll(Ops.mul(diff, diff));
                loss.backward();
                GradClipping.clipGlobalNorm(lin.parameters(), 1.0);
                adam.setLr(lr.value(step));
                adam.step();
                if (step == 0) first = loss.value().getDouble(0);
                last = loss.value().getDouble(0);
            }
            assertTrue(last < first / 100, "loss " + first + " -> " + last);
        }
    }
}
