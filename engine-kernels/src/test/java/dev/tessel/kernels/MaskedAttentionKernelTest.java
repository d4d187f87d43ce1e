package dev.tessel.kernels;

import static dev.tessel.kernels.DalleOpsTestTensors.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Masked attention kernels: Cpu against the Reference oracle (forward and the three gradients)
 * for every float dtype, contiguous and permuted inputs, Tq != Tk and D != Dv; the Reference
 * backward against central differences in float64; a row that sees no key; bad input.
 */
class MaskedAttentionKernelTest {
    private static final Backend REF = Backends.reference(), CPU = Backends.cpu();
    private static final int B = 2, H = 3, TQ = 7, TK = 9, D = 5, DV = 6;

    /** Random visibility with the "diagonal" always on, except query row {@code blind} which sees nothing. */
    static Tensor randomMask(Random rnd, int tq, int tk, int blind) {
        Tensor m = Tensor.zeros(DType.U8, tq, tk);
        for (int i = 0; i < tq; i++) {
            for (int j = 0; j < tk; j++) m.set(i != blind && (j == i || rnd.nextDouble() < 0.4) ? 1 : 0, i, j);
        }
        return m;
    }

    @Test
    void cpuMatchesReference() {
        Random rnd = new Random(21);
        for (DType dtype : FLOAT_DTYPES) {
            for (boolean strided : new boolean[] {false, true}) {
                String what = dtype + (strided ? " strided" : "");
                Tensor q = uniform(rnd, dtype, -1.5, 1.5, strided, B, H, TQ, D);
                Tensor k = uniform(rnd, dtype, -1.5, 1.5, strided, B, H, TK, D);
                Tensor v = uniform(rnd, dtype, -1, 1, strided, B, H, TK, DV);
                Tensor g = uniform(rnd, dtype, -1, 1, strided, B, H, TQ, DV);
                Tensor mask = randomMask(rnd, TQ, TK, -1);
                assertClose(REF.maskedAttention(q, k, v, mask), CPU.maskedAttention(q, k, v, mask), dtype, "forward " + what);
                Tensor[] ref = REF.maskedAttentionBackward(q, k, v, mask, g), cpu = CPU.maskedAttentionBackward(q, k, v, mask, g);
                String[] names = {"dq", "dk", "dv"};
                for (int i = 0; i < 3; i++) assertClose(ref[i], cpu[i], dtype, names[i] + " " + what);
            }
        }
    }

    @Test
    void referenceBackwardMatchesCentralDifferences() {
        Random rnd = new Random(22);
        Tensor q = uniform(rnd, DType.F64, -1, 1, false, 1, 2, 4, 3);
        Tensor k = uniform(rnd, DType.F64, -1, 1, false, 1, 2, 5, 3);
        Tensor v = uniform(rnd, DType.F64, -1, 1, false, 1, 2, 5, 2);
        Tensor w = uniform(rnd, DType.F64, -1, 1, false, 1, 2, 4, 2);
        Tensor mask = randomMask(rnd, 4, 5, -1);
        Tensor[] grads = REF.maskedAttentionBackward(q, k, v, mask, w);
        Tensor[] inputs = {q, k, v};
        for (int t = 0; t < 3; t++) {
            Tensor x = inputs[t];
            for (long f = 0; f < x.numel(); f++) {
                double numeric = centralDifference(x, f, 1e-6, () -> dot(REF.maskedAttention(q, k, v, mask), w));
                assertEquals(numeric, grads[t].getDouble(f), 1e-8, "gradient " + t + " at " + f);
            }
        }
    }

    @Test
    void aRowThatSeesNoKeyGivesZerosNotNaN() {
        Random rnd = new Random(23);
        Tensor q = uniform(rnd, DType.F32, -1, 1, false, 1, 1, 4, 3);
        Tensor k = uniform(rnd, DType.F32, -1, 1, false, 1, 1, 4, 3);
        Tensor v = uniform(rnd, DType.F32, -1, 1, false, 1, 1, 4, 3);
        Tensor g = uniform(rnd, DType.F32, -1, 1, false, 1, 1, 4, 3);
        Tensor mask = randomMask(rnd, 4, 4, 2);
        for (Backend b : new Backend[] {REF, CPU}) {
            Tensor out = b.maskedAttention(q, k, v, mask);
            Tensor dq = b.maskedAttentionBackward(q, k, v, mask, g)[0];
            for (int e = 0; e < 3; e++) {
                assertEquals(0.0, out.get(0, 0, 2, e), b.name() + " out");
                assertEquals(0.0, dq.get(0, 0, 2, e), b.name() + " dq");
            }
            assertFalse(Double.isNaN(out.get(0, 0, 1, 0)), b.name());
        }
    }

    @Test
    void badInputNamesTheOpAndTheShapes() {
        Tensor q = Tensor.zeros(DType.F32, 1, 2, 4, 3), k = Tensor.zeros(DType.F32, 1, 2, 4, 5);
        Tensor mask = Tensor.zeros(DType.U8, 4, 4);
        for (Backend b : new Backend[] {REF, CPU}) {
            var e = assertThrows(IllegalArgumentException.class, () -> b.maskedAttention(q, k, k, mask));
            assertTrue(e.getMessage().contains("maskedAttention") && e.getMessage().contains("[1, 2, 4, 3]")
                    && e.getMessage().contains("[1, 2, 4, 5]"), e.getMessage());
            var m = assertThrows(IllegalArgumentException.class, () -> b.maskedAttention(q, q, q, Tensor.zeros(DType.F32, 4, 4)));
            assertTrue(m.getMessage().contains("mask") && m.getMessage().contains("F32"), m.getMessage());
            var g = assertThrows(IllegalArgumentException.class,
                    () -> b.maskedAttentionBackward(q, q, q, mask, Tensor.zeros(DType.F32, 1, 2, 3, 3)));
            assertTrue(g.getMessage().contains("gradOut") && g.getMessage().contains("[1, 2, 3, 3]"), g.getMessage());
        }
    }
}
