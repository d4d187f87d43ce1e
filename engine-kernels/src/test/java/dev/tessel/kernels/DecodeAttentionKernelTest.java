package dev.tessel.kernels;

import static dev.tessel.kernels.DalleOpsTestTensors.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * decodeAttention (one query per head against the visible keys of a KV cache, read in place):
 * the Cpu kernel against the Reference backend, whose decodeAttention is the scalar double
 * oracle (ReferenceMaskedAttention on the one-row mask), and against the Cpu masked-attention
 * kernel it replaces in sampling, with the tolerance every Cpu attention kernel meets
 * (DalleOpsTestTensors.tolerance: one rounding of the output). Not bit-equal to the masked kernel:
 * the two sum each score's D products in different orders. Keys and values are views of a longer
 * cache, as in sampling, and permuted copies of one; head widths below, at and past a vector
 * (5, 8, 19, 32).
 */
class DecodeAttentionKernelTest {
    private static final Backend REF = Backends.reference(), CPU = Backends.cpu();

    /** Random ascending positions below {@code count}, each kept with probability 0.4, the last key always. */
    private static int[] randomVisible(Random rnd, int count) {
        List<Integer> keys = new ArrayList<>();
        for (int j = 0; j < count; j++) if (j == count - 1 || rnd.nextDouble() < 0.4) keys.add(j);
        return keys.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void cpuMatchesTheReferenceAndTheMaskedKernel() {
        Random rnd = new Random(31);
        int[][] sizes = {{2, 3, 20, 5, 5}, {1, 2, 41, 8, 8}, {3, 2, 17, 19, 13}, {16, 8, 96, 32, 32}};   // {B, H, cached, D, Dv}
        for (int[] n : sizes) {
            for (DType dtype : FLOAT_DTYPES) {
                for (boolean strided : new boolean[] {false, true}) {
                    String what = dtype + (strided ? " permuted " : " ") + java.util.Arrays.toString(n);
                    int room = n[2] + 7;                                                     // the cache is longer than what is filled
                    Tensor keys = uniform(rnd, dtype, -1.5, 1.5, strided, n[0], n[1], room, n[3]).slice(2, 0, n[2]);
                    Tensor values = uniform(rnd, dtype, -1, 1, strided, n[0], n[1], room, n[4]).slice(2, 0, n[2]);
                    Tensor q = uniform(rnd, dtype, -1.5, 1.5, strided, n[0], n[1], 1, n[3]);
                    int[] visible = randomVisible(rnd, n[2]);
                    Tensor got = CPU.decodeAttention(q, keys, values, visible);
                    assertClose(REF.decodeAttention(q, keys, values, visible), got, dtype, "reference, " + what);
                    assertClose(CPU.maskedAttention(q, keys, values, VisibleKeys.maskRow(visible, n[2])), got, dtype, "masked kernel, " + what);
                }
            }
        }
    }

    @Test
    void noVisibleKeyGivesZeros() {
        Random rnd = new Random(32);
        Tensor q = uniform(rnd, DType.F32, -1, 1, false, 1, 2, 1, 8);
        Tensor kv = uniform(rnd, DType.F32, -1, 1, false, 1, 2, 5, 8);
        for (Backend b : new Backend[] {REF, CPU}) {
            Tensor out = b.decodeAttention(q, kv, kv, new int[0]);
            for (long f = 0; f < out.numel(); f++) assertEquals(0.0, out.getDouble(f), b.name());
        }
    }

    @Test
    void badInputIsExplained() {
        Tensor q = Tensor.zeros(DType.F32, 1, 2, 1, 4), kv = Tensor.zeros(DType.F32, 1, 2, 6, 4);
        for (Backend b : new Backend[] {REF, CPU}) {
            var e = assertThrows(IllegalArgumentException.class, () -> b.decodeAttention(q, kv, kv, new int[] {2, 1}));
            assertTrue(e.getMessage().contains("decodeAttention") && e.getMessage().contains("ascend"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.decodeAttention(q, kv, kv, new int[] {6}));
            assertTrue(e.getMessage().contains("[0, 6)"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> CPU.decodeAttention(kv, kv, kv, new int[] {0}));
        assertTrue(e.getMessage().contains("[1, 2, 6, 4]"), e.getMessage());
    }
}
