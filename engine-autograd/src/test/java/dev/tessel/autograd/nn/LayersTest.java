package dev.tessel.autograd.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Layer construction: torch / DALL-E parameter names, shapes, and the initialisation statistics. */
class LayersTest {
    @Test
    void conv2dInitIsNormalWithStdOneOverSqrtFanInAndZeroBias() {
        int in = 16, out = 32, k = 3;
        Conv2d conv = new Conv2d(in, out, k, new Random(6));
        assertEquals(List.of("w", "b"), List.copyOf(conv.namedParameters().keySet()));
        Tensor w = conv.w().value();
        assertEquals(List.of(out, in, k, k), java.util.Arrays.stream(w.shape().toArray()).boxed().toList());
        double sum = 0, sumSq = 0;
        for (long i = 0; i < w.numel(); i++) {
            sum += w.getDouble(i);
            sumSq += w.getDouble(i) * w.getDouble(i);
        }
        double n = w.numel(), mean = sum / n, std = Math.sqrt(sumSq / n - mean * mean), expected = 1 / Math.sqrt(in * k * k);
        // 4608 draws: the sample std is within ~1% (one standard error) of the true one; 5% is five standard errors
        assertEquals(expected, std, 0.05 * expected, "weight std");
        assertEquals(0, mean, 5 * expected / Math.sqrt(n), "weight mean");
        for (long i = 0; i < out; i++) assertEquals(0.0, conv.b().value().getDouble(i));
        var even = assertThrows(IllegalArgumentException.class, () -> new Conv2d(2, 2, 4, new Random(0)));
        assertTrue(even.getMessage().contains("kernel 4"), even.getMessage());
    }

    @Test
    void linearLayerNormEmbeddingUseTorchNamesAndShapes() {
        Random rnd = new Random(7);
        Linear lin = new Linear(5, 3, rnd);
        assertEquals(List.of("weight", "bias"), List.copyOf(lin.namedParameters().keySet()));
        assertEquals(DType.F32, lin.weight().dtype());
        assertArrayEquals(new int[] {3, 5}, lin.weight().shape().toArray());
        double bound = 1 / Math.sqrt(5);
        for (long i = 0; i < 15; i++) assertTrue(Math.abs(lin.weight().value().getDouble(i)) <= bound);
        assertNull(new Linear(5, 3, false, DType.F64, rnd).bias());
        LayerNorm norm = new LayerNorm(4, 1e-5);
        assertEquals(List.of("weight", "bias"), List.copyOf(norm.namedParameters().keySet()));
        assertEquals(1.0, norm.weight().value().getDouble(3));
        Embedding emb = new Embedding(10, 4, rnd);
        assertArrayEquals(new int[] {10, 4}, emb.weight().shape().toArray());
        var ids = assertThrows(IllegalArgumentException.class, () -> emb.forward(Tensor.zeros(DType.F32, 2)));
        assertTrue(ids.getMessage().contains("I32 or I64") && ids.getMessage().contains("F32"), ids.getMessage());
    }
}
