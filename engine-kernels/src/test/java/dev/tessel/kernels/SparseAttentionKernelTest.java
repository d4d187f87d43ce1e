package dev.tessel.kernels;

import static dev.tessel.kernels.DalleOpsTestTensors.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.kernels.attention.AttentionPattern.ConvolutionEdges;
import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Block-sparse attention: for every DALL·E pattern (row, column transposed and in raster order,
 * clamped and wrapping convolutions, causal) at odd sizes and block sizes that do not divide N,
 * the Reference sparse kernel equals dense masked attention with the layout's explicit mask
 * (forward, logSumExp and the three gradients, in float64), and the Cpu kernel equals the
 * Reference one and the Cpu dense kernel for every float dtype, on contiguous and permuted
 * inputs. Also: a head width that fills whole vectors, a query that sees nothing, bad input.
 */
class SparseAttentionKernelTest {
    private static final Backend REF = Backends.reference(), CPU = Backends.cpu();
    private static final String[] GRADS = {"dq", "dk", "dv"};

    private static List<BlockLayout> layouts() {
        List<BlockLayout> all = new ArrayList<>();
        AttentionPattern[] patterns = {
            AttentionPattern.row(5, 3, 7),
            AttentionPattern.column(5, 3, 7),
            AttentionPattern.convolution(5, 3, 7, 3, ConvolutionEdges.CLAMPED),
            AttentionPattern.convolution(13, 5, 5, 5, ConvolutionEdges.WRAPPING),
            AttentionPattern.convolution(13, 5, 5, 5, ConvolutionEdges.CLAMPED),
            AttentionPattern.causal(3, 4, 5),
        };
        for (AttentionPattern p : patterns) {
            all.add(p.blockLayout(8));
            all.add(p.blockLayout(16));
        }
        all.add(AttentionPattern.column(5, 3, 7).rasterBlockLayout(8));
        return all;
    }

    private record Inputs(Tensor q, Tensor k, Tensor v, Tensor g) {
        static Inputs random(Random rnd, DType dtype, boolean strided, int b, int h, int n, int d, int dv) {
            return new Inputs(uniform(rnd, dtype, -1, 1, strided, b, h, n, d), uniform(rnd, dtype, -1, 1, strided, b, h, n, d),
                    uniform(rnd, dtype, -1, 1, strided, b, h, n, dv), uniform(rnd, dtype, -1, 1, strided, b, h, n, dv));
        }
    }

    @Test
    void referenceSparseEqualsDenseMaskedAttentionWithTheLayoutsMask() {
        Random rnd = new Random(31);
        for (BlockLayout layout : layouts()) {
            Inputs in = Inputs.random(rnd, DType.F64, false, 1, 2, layout.length(), 5, 3);
            Tensor mask = layout.denseMask();
            Tensor[] sparse = REF.sparseAttention(in.q, in.k, in.v, layout);
            assertClose(REF.maskedAttention(in.q, in.k, in.v, mask), sparse[0], 1e-12, 1e-12, "forward " + layout);
            Tensor[] want = REF.maskedAttentionBackward(in.q, in.k, in.v, mask, in.g);
            Tensor[] got = REF.sparseAttentionBackward(in.q, in.k, in.v, layout, sparse[0], sparse[1], in.g);
            for (int t = 0; t < 3; t++) assertClose(want[t], got[t], 1e-12, 1e-12, GRADS[t] + " " + layout);
        }
    }

    @Test
    void cpuMatchesReferenceAndDenseForEveryPatternAndDtype() {
        Random rnd = new Random(32);
        for (BlockLayout layout : layouts()) {
            for (DType dtype : FLOAT_DTYPES) {
                for (boolean strided : new boolean[] {false, true}) {
                    String what = dtype + (strided ? " strided " : " ") + layout;
                    Inputs in = Inputs.random(rnd, dtype, strided, 2, 1, layout.length(), 7, 9);
                    Tensor[] ref = REF.sparseAttention(in.q, in.k, in.v, layout), cpu = CPU.sparseAttention(in.q, in.k, in.v, layout);
                    assertClose(ref[0], cpu[0], dtype, "forward " + what);
                    assertClose(ref[1], cpu[1], dtype == DType.F64 ? DType.F64 : DType.F32, "logSumExp " + what);
                    Tensor mask = layout.denseMask();
                    assertClose(CPU.maskedAttention(in.q, in.k, in.v, mask), cpu[0], dtype, "forward vs Cpu dense " + what);
                    Tensor[] want = REF.sparseAttentionBackward(in.q, in.k, in.v, layout, ref[0], ref[1], in.g);
                    Tensor[] got = CPU.sparseAttentionBackward(in.q, in.k, in.v, layout, cpu[0], cpu[1], in.g);
                    Tensor[] dense = CPU.maskedAttentionBackward(in.q, in.k, in.v, mask, in.g);
                    for (int t = 0; t < 3; t++) {
                        assertClose(want[t], got[t], dtype, GRADS[t] + " " + what);
                        assertClose(dense[t], got[t], dtype, GRADS[t] + " vs Cpu dense " + what);
                    }
                }
            }
        }
    }

    @Test
    void wholeVectorHeadWidthsAndLargerBlocks() {
        Random rnd = new Random(33);
        BlockLayout layout = AttentionPattern.convolution(9, 6, 8, 5, ConvolutionEdges.CLAMPED).blockLayout(32);
        Inputs in = Inputs.random(rnd, DType.F32, false, 1, 2, layout.length(), 64, 32);
        Tensor[] ref = REF.sparseAttention(in.q, in.k, in.v, layout), cpu = CPU.sparseAttention(in.q, in.k, in.v, layout);
        assertClose(ref[0], cpu[0], DType.F32, "forward " + layout);
        Tensor[] want = REF.sparseAttentionBackward(in.q, in.k, in.v, layout, ref[0], ref[1], in.g);
        Tensor[] got = CPU.sparseAttentionBackward(in.q, in.k, in.v, layout, cpu[0], cpu[1], in.g);
        for (int t = 0; t < 3; t++) assertClose(want[t], got[t], DType.F32, GRADS[t] + " " + layout);
    }

    @Test
    void aQueryThatSeesNoKeyGivesZerosAndMinusInfinity() {
        Random rnd = new Random(34);
        Tensor mask = MaskedAttentionKernelTest.randomMask(rnd, 19, 19, 11);
        BlockLayout layout = BlockLayout.fromMask(mask, 8);
        Inputs in = Inputs.random(rnd, DType.F32, false, 1, 1, 19, 3, 4);
        for (Backend b : new Backend[] {REF, CPU}) {
            Tensor[] r = b.sparseAttention(in.q, in.k, in.v, layout);
            assertEquals(Double.NEGATIVE_INFINITY, r[1].getDouble(11), b.name() + " logSumExp of the blind row");
            for (int e = 0; e < 4; e++) assertEquals(0.0, r[0].get(0, 0, 11, e), b.name() + " output of the blind row");
            Tensor[] g = b.sparseAttentionBackward(in.q, in.k, in.v, layout, r[0], r[1], in.g);
            for (Tensor t : g) for (long f = 0; f < t.numel(); f++) assertTrue(Double.isFinite(t.getDouble(f)), b.name() + " gradient is finite");
            for (int c = 0; c < 3; c++) assertEquals(0.0, g[0].get(0, 0, 11, c), b.name() + " dq of the blind row");
            assertClose(REF.maskedAttention(in.q, in.k, in.v, mask), r[0], DType.F32, b.name() + " vs dense");
        }
    }

    @Test
    void badInputIsNamed() {
        BlockLayout seven = AttentionPattern.row(3, 2, 2).blockLayout(8), eight = AttentionPattern.row(4, 2, 2).blockLayout(8);
        Tensor q = Tensor.zeros(DType.F32, 1, 1, 7, 4), v = Tensor.zeros(DType.F32, 1, 1, 7, 2);
        for (Backend b : new Backend[] {REF, CPU}) {
            var length = assertThrows(IllegalArgumentException.class, () -> b.sparseAttention(q, q, v, eight));
            assertTrue(length.getMessage().contains("covers 8"), length.getMessage());
            var dtype = assertThrows(IllegalArgumentException.class, () -> b.sparseAttention(q, q, Tensor.zeros(DType.F64, 1, 1, 7, 2), seven));
            assertTrue(dtype.getMessage().contains("F64"), dtype.getMessage());
            var shape = assertThrows(IllegalArgumentException.class, () -> b.sparseAttention(q, Tensor.zeros(DType.F32, 1, 1, 7, 3), v, seven));
            assertTrue(shape.getMessage().contains("[1, 1, 7, 3]"), shape.getMessage());
            Tensor[] r = b.sparseAttention(q, q, v, seven);
            var stats = assertThrows(IllegalArgumentException.class,
                    () -> b.sparseAttentionBackward(q, q, v, seven, r[0], Tensor.zeros(DType.F32, 1, 1, 6), r[0]));
            assertTrue(stats.getMessage().contains("logSumExp"), stats.getMessage());
        }
    }
}
