package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shard geometry at sizes that do not divide by the device count: each device's shard is its
 * row block of every parameter (zero-padded), the rank-major buffer is the concatenation of the
 * shards (what an all-gather builds), and unpack inverts pack.
 */
class ShardLayoutTest {
    private static final List<Shape> SHAPES = List.of(Shape.of(7), Shape.of(5, 3), Shape.of(2, 3, 2), Shape.of(1));

    @Test
    void packIsTheConcatenationOfShardsAndUnpackInvertsIt() {
        for (int devices : new int[] {1, 2, 3}) {
            ShardLayout layout = new ShardLayout(SHAPES, devices);
            List<Tensor> full = new ArrayList<>();
            int value = 1;
            for (Shape s : SHAPES) {
                Tensor t = Tensor.zeros(DType.F32, s);
                for (long i = 0; i < t.numel(); i++) t.setDouble(i, value++);
                full.add(t);
            }
            Tensor packed = Tensor.zeros(DType.F32, Math.toIntExact(devices * layout.shardLength()));
            layout.pack(full, packed);
            for (int k = 0; k < devices; k++) {
                Tensor shard = Tensor.zeros(DType.F32, Math.toIntExact(layout.shardLength()));
                layout.extractShard(full, k, shard);
                int lo = Math.toIntExact(k * layout.shardLength());
                assertArrayEquals(shard.toFloatArray(), packed.slice(0, lo, lo + Math.toIntExact(layout.shardLength())).toFloatArray(), "device " + k);
            }
            List<Tensor> back = new ArrayList<>();
            for (Shape s : SHAPES) back.add(Tensor.zeros(DType.F32, s));
            layout.unpack(packed, back);
            for (int i = 0; i < SHAPES.size(); i++) assertArrayEquals(full.get(i).toFloatArray(), back.get(i).toFloatArray(), devices + " devices, param " + i);
        }
    }

    @Test
    void aShardOfAWeightIsARowBlockMatrixWithZeroPadding() {
        ShardLayout layout = new ShardLayout(List.of(Shape.of(5, 3)), 2);
        assertArrayEquals(new int[] {3, 3}, layout.shardMatrix(0));
        Tensor w = Tensor.zeros(DType.F32, 5, 3);
        for (long i = 0; i < 15; i++) w.setDouble(i, i + 1);
        Tensor shard = Tensor.zeros(DType.F32, 9);
        layout.extractShard(List.of(w), 1, shard);
        // device 1 owns rows 3..5 of a 6-row padding: rows 3, 4 and a zero row
        assertArrayEquals(new float[] {10, 11, 12, 13, 14, 15, 0, 0, 0}, layout.shardView(shard, 0).toFloatArray());
        assertEquals(3, layout.shardView(shard, 0).dim(0));
    }

    @Test
    void wrongTensorsAreRejectedWithTheExpectedShape() {
        ShardLayout layout = new ShardLayout(List.of(Shape.of(5, 3)), 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layout.pack(List.of(Tensor.zeros(DType.F32, 3, 5)), Tensor.zeros(DType.F32, 18)));
        assertTrue(e.getMessage().contains("F32[3, 5]") && e.getMessage().contains("F32[5, 3]"), e.getMessage());
    }
}
