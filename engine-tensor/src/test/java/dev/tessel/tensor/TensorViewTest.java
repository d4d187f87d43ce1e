package dev.tessel.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Tensor views against explicit index arithmetic: every element of a view, visited by flat index
 * and by multi-index, must equal the base element that hand-written index algebra names. Then
 * the copying operations and the bad-input messages.
 */
class TensorViewTest {
    /** (3, 4, 5) float64 base whose element [i, j, k] is 100 i + 10 j + k, so a value names its index. */
    private static Tensor base() {
        double[] v = new double[60];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) for (int k = 0; k < 5; k++) v[i * 20 + j * 5 + k] = 100 * i + 10 * j + k;
        return Tensor.of(v, 3, 4, 5);
    }

    private static double code(int i, int j, int k) { return 100 * i + 10 * j + k; }

    /** Checks every element of {@code view}, in row-major order, against {@code expected(index)}. */
    private static void checkElements(Tensor view, ToDoubleFunction<int[]> expected) {
        int[] dims = view.shape().toArray();
        int[] idx = new int[dims.length];
        long[] strides = view.strides();
        for (long flat = 0; flat < view.numel(); flat++) {
            long rem = flat;
            long physical = view.offset();
            for (int a = dims.length - 1; a >= 0; a--) {
                idx[a] = (int) (rem % dims[a]);
                rem /= dims[a];
                physical += idx[a] * strides[a];
            }
            double want = expected.applyAsDouble(idx);
            assertEquals(want, view.getDouble(flat), "flat " + flat);
            assertEquals(want, view.get(idx), "index " + java.util.Arrays.toString(idx));
            assertEquals(physical, view.physicalIndex(flat));
            assertEquals(physical, view.physicalIndex(idx));
        }
    }

    @Test
    void reshapeOfContiguousIsAViewAndInfersMinusOne() {
        Tensor b = base();
        Tensor r = b.reshape(4, -1);
        assertEquals(Shape.of(4, 15), r.shape());
        assertSame(b.storage(), r.storage());
        checkElements(r, x -> { int flat = x[0] * 15 + x[1]; return code(flat / 20, flat / 5 % 4, flat % 5); });
        Tensor flatView = b.reshape(-1);
        assertEquals(Shape.of(60), flatView.shape());
        Tensor scalarLike = Tensor.of(new double[] {7}, 1).reshape();
        assertEquals(0, scalarLike.rank());
        assertEquals(7.0, scalarLike.getDouble(0));
    }

    @Test
    void reshapeOfStridedCopiesInLogicalOrder() {
        Tensor p = base().permute(2, 0, 1); // (5, 3, 4)
        Tensor r = p.reshape(5, 12);
        assertTrue(r.isContiguous());
        checkElements(r, x -> code(x[1] / 4, x[1] % 4, x[0]));
    }

    @Test
    void permuteAndTransposeRemapAxes() {
        Tensor b = base();
        Tensor p = b.permute(2, 0, 1); // (5, 3, 4): p[k, i, j] = b[i, j, k]
        assertEquals(Shape.of(5, 3, 4), p.shape());
        assertSame(b.storage(), p.storage());
        assertFalse(p.isContiguous());
        checkElements(p, x -> code(x[1], x[2], x[0]));
        Tensor t = b.transpose(0, -1); // (5, 4, 3)
        checkElements(t, x -> code(x[2], x[1], x[0]));
        checkElements(b.permute(-3, -2, -1), x -> code(x[0], x[1], x[2]));
    }

    @Test
    void sliceOffsetsAndShrinks() {
        Tensor b = base();
        Tensor s = b.slice(1, 1, 3); // (3, 2, 5)
        assertEquals(Shape.of(3, 2, 5), s.shape());
        checkElements(s, x -> code(x[0], x[1] + 1, x[2]));
        Tensor last = b.slice(-1, 2, 5).slice(0, 1, 2); // (1, 4, 3)
        checkElements(last, x -> code(x[0] + 1, x[1], x[2] + 2));
        // Slicing a transposed view composes the index maps.
        Tensor ts = b.transpose(0, 2).slice(0, 3, 5); // (2, 4, 3): [k-3, j, i]
        checkElements(ts, x -> code(x[2], x[1], x[0] + 3));
        assertEquals(0, b.slice(1, 2, 2).numel());
        // Writes through a slice land in the base.
        s.set(-1.0, 2, 1, 4);
        assertEquals(-1.0, b.get(2, 2, 4));
    }

    @Test
    void expandBroadcastsWithZeroStrides() {
        Tensor col = base().slice(1, 2, 3); // (3, 1, 5): [i, 0, k] = b[i, 2, k]
        Tensor e = col.expand(2, 3, 4, 5);
        assertArrayEquals(new long[] {0, 20, 0, 1}, e.strides());
        checkElements(e, x -> code(x[1], 2, x[3]));
        Tensor same = base().expand(3, 4, 5);
        checkElements(same, x -> code(x[0], x[1], x[2]));
        assertEquals(0, col.expand(3, 0, 5).numel());
    }

    @Test
    void unsqueezeAndSqueezeAddAndDropUnitAxes() {
        Tensor b = base();
        Tensor u0 = b.unsqueeze(0), u2 = b.unsqueeze(2), uEnd = b.unsqueeze(-1);
        assertEquals(Shape.of(1, 3, 4, 5), u0.shape());
        assertEquals(Shape.of(3, 4, 1, 5), u2.shape());
        assertEquals(Shape.of(3, 4, 5, 1), uEnd.shape());
        checkElements(u2, x -> code(x[0], x[1], x[3]));
        checkElements(uEnd, x -> code(x[0], x[1], x[2]));
        assertTrue(u2.isContiguous());
        assertEquals(b.shape(), u2.squeeze(2).shape());
        checkElements(u0.squeeze(0), x -> code(x[0], x[1], x[2]));
        Tensor permuted = b.permute(1, 2, 0).unsqueeze(1); // (4, 1, 5, 3)
        checkElements(permuted, x -> code(x[3], x[0], x[2]));
        checkElements(permuted.squeeze(-3), x -> code(x[2], x[0], x[1]));
    }

    @Test
    void contiguousCopyCopyFromAndTo() {
        Tensor b = base();
        assertSame(b, b.contiguous());
        Tensor p = b.permute(1, 2, 0);
        Tensor c = p.contiguous();
        assertNotSame(p.storage(), c.storage());
        assertTrue(c.isContiguous());
        checkElements(c, x -> code(x[2], x[0], x[1]));

        Tensor copy = b.copy();
        copy.set(-5.0, 0, 0, 0);
        assertEquals(0.0, b.get(0, 0, 0), "a copy owns its storage");

        // copyFrom into a strided destination: a (5, 4, 3) transposed view of a fresh (3, 4, 5).
        Tensor dest = Tensor.zeros(DType.F64, 3, 4, 5);
        dest.transpose(0, 2).copyFrom(b.transpose(0, 2));
        checkElements(dest, x -> code(x[0], x[1], x[2]));
        Tensor fromExpanded = Tensor.zeros(DType.F64, 2, 3, 5);
        fromExpanded.copyFrom(b.slice(1, 0, 1).squeeze(1).expand(2, 3, 5));
        checkElements(fromExpanded, x -> code(x[1], 0, x[2]));

        Tensor half = p.to(DType.F16);
        assertEquals(DType.F16, half.dtype());
        assertTrue(half.isContiguous());
        checkElements(half, x -> DType.F16.decode(DType.F16.encode(code(x[2], x[0], x[1]))));
        Tensor ints = b.to(DType.I32);
        assertArrayEquals(b.toLongArray(), ints.toLongArray());
        Tensor same = b.to(DType.F64);
        assertNotSame(b.storage(), same.storage());
    }

    @Test
    void integerConversionsKeepEveryBit() {
        long big = (1L << 60) + 3; // not representable in a double
        Tensor longs = Tensor.ofLongs(new long[] {big, -1, 256, 0}, 4);
        assertArrayEquals(new long[] {3, -1, 256, 0}, longs.to(DType.I32).toLongArray());
        assertArrayEquals(new long[] {3, 255, 0, 0}, longs.to(DType.U8).toLongArray());
        assertArrayEquals(new long[] {1, 1, 1, 0}, longs.to(DType.BOOL).toLongArray());
        assertArrayEquals(new long[] {big, -1, 256, 0}, longs.to(DType.I64).toLongArray(), "I64 -> I64 is a plain copy");
        assertArrayEquals(new long[] {3, -1, 256, 0}, longs.to(DType.I32).to(DType.I64).toLongArray());
        assertEquals(0x1p60, longs.to(DType.F64).getDouble(0), "to a float type rounds once");
    }

    @Test
    void badInputMessagesNameTheOperationAndShapes() {
        Tensor b = base();
        assertMessage(() -> b.reshape(7, 9), "reshape: shape [3, 4, 5] (60 elements) cannot become [7, 9]");
        assertMessage(() -> b.reshape(-1, -1), "only one -1 allowed");
        assertMessage(() -> b.reshape(7, -1), "cannot infer -1 in [7, -1] for shape [3, 4, 5]");
        assertMessage(() -> b.reshape(-2, -30), "reshape: negative dimension in [-2, -30]");
        assertMessage(() -> b.permute(0, 1), "permute [0, 1] does not match rank of [3, 4, 5]");
        assertMessage(() -> b.permute(0, 1, 1), "repeats axis 1");
        assertMessage(() -> b.permute(0, 1, 3), "axis 3 is out of range for shape [3, 4, 5]");
        assertMessage(() -> b.transpose(0, 5), "axis 5 is out of range");
        assertMessage(() -> b.slice(1, 2, 5), "slice [2, 5) out of range for axis 1 of [3, 4, 5]");
        assertMessage(() -> b.slice(1, 3, 2), "slice [3, 2)");
        assertMessage(() -> b.expand(3, 2, 5), "expand: shapes [3, 4, 5] and [3, 2, 5] cannot be broadcast");
        assertMessage(() -> b.expand(4, 5), "expand: shape [3, 4, 5] cannot be expanded to [4, 5]");
        assertMessage(() -> b.squeeze(1), "squeeze: axis 1 of [3, 4, 5] is not 1");
        assertMessage(() -> b.unsqueeze(5), "unsqueeze: axis 5 out of range for [3, 4, 5]");
        assertMessage(() -> b.copyFrom(Tensor.zeros(DType.F32, 3, 4, 5)), "copyFrom: source F32[3, 4, 5] does not match F64[3, 4, 5]");
        assertMessage(() -> b.copyFrom(Tensor.zeros(DType.F64, 5, 4, 3)), "copyFrom: source F64[5, 4, 3] does not match F64[3, 4, 5]");
        assertMessage(() -> b.get(0, 4, 0), "index [0, 4, 0] out of bounds for shape [3, 4, 5]");
        assertMessage(() -> b.get(0, 0), "index [0, 0] has rank 2, tensor [3, 4, 5]");
        assertMessage(() -> Tensor.of(new float[5], 2, 3), "data has 5 elements but shape [2, 3] needs 6");
        assertMessage(() -> Shape.of(2, -3), "negative dimension in shape [2, -3]");
        assertMessage(() -> new Tensor(b.storage(), DType.F64, Shape.of(61), new long[] {1}, 0), "reaches past its storage of 480 bytes");
        assertMessage(() -> new Tensor(b.storage(), DType.F64, Shape.of(3), new long[] {-1}, 1), "reaches past its storage");
        assertMessage(() -> new Tensor(b.storage(), DType.F64, Shape.of(3), new long[] {1, 1}, 0), "strides [1, 1] do not match shape [3]");
        IndexOutOfBoundsException flat = assertThrows(IndexOutOfBoundsException.class, () -> b.slice(0, 0, 1).getDouble(20));
        assertTrue(flat.getMessage().contains("flat index 20 out of range for shape [1, 4, 5]"), flat.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> b.setDouble(-1, 0));
    }

    @Test
    void negativeStrideViewsInsideTheStorageAreAccepted() {
        Tensor b = base();
        Tensor reversed = new Tensor(b.storage(), DType.F64, Shape.of(5), new long[] {-1}, 4);
        checkElements(reversed, x -> code(0, 0, 4 - x[0]));
    }

    private static void assertMessage(Runnable r, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void zerosLaidOutLikeKeepsADensePermutationAndOtherwiseIsRowMajor() {
        Tensor x = Tensor.zeros(DType.F32, 2, 3, 4);
        Tensor permuted = x.permute(2, 0, 1);
        Tensor z = Tensor.zerosLaidOutLike(permuted);
        assertArrayEquals(permuted.strides(), z.strides());
        assertTrue(z.permute(1, 2, 0).isContiguous());
        assertEquals(0.0, z.get(3, 1, 2));
        Tensor gappy = x.slice(2, 1, 3);
        Tensor zg = Tensor.zerosLaidOutLike(gappy);
        assertTrue(zg.isContiguous());
        assertArrayEquals(new int[] {2, 3, 2}, zg.shape().toArray());
        Tensor withUnitAxis = x.slice(0, 1, 2).permute(1, 0, 2);
        assertArrayEquals(withUnitAxis.shape().toArray(), Tensor.zerosLaidOutLike(withUnitAxis).shape().toArray());
        assertEquals(0, Tensor.zerosLaidOutLike(Tensor.zeros(DType.F64, 0, 3).transpose(0, 1)).numel());
    }
}
