package dev.tessel.kernels;

import static dev.tessel.kernels.DalleOpsTestTensors.*;

import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.kernels.attention.AttentionPattern.ConvolutionEdges;
import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.kernels.opencl.OpenClBackend;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sparse_attention.cu on PoCL against the Reference backend: forward, logSumExp and the three
 * gradients for a row, a transposed column and a wrapping convolutional layout at odd sizes
 * (N not a multiple of the block, head widths below a vector), F32 on contiguous and permuted
 * inputs, F16 and BF16 on one layout. Shapes are small: PoCL is slow, and every (dtype, block)
 * pair is one program build.
 */
class OpenClSparseAttentionTest {
    private static OpenClBackend cl;
    private static final Backend REF = Backends.reference();
    private static final String[] GRADS = {"dq", "dk", "dv"};

    @BeforeAll
    static void open() { cl = OpenClTestSupport.backend(); }

    private static void check(BlockLayout layout, DType dtype, boolean strided, long seed) {
        Random rnd = new Random(seed);
        int n = layout.length();
        Tensor q = uniform(rnd, dtype, -1, 1, strided, 2, 1, n, 7), k = uniform(rnd, dtype, -1, 1, strided, 2, 1, n, 7);
        Tensor v = uniform(rnd, dtype, -1, 1, strided, 2, 1, n, 5), g = uniform(rnd, dtype, -1, 1, strided, 2, 1, n, 5);
        String what = dtype + (strided ? " strided " : " ") + layout;
        Tensor[] ref = REF.sparseAttention(q, k, v, layout), got = cl.sparseAttention(q, k, v, layout);
        assertClose(ref[0], got[0], dtype, "forward " + what);
        assertClose(ref[1], got[1], DType.F32, "logSumExp " + what);
        Tensor[] want = REF.sparseAttentionBackward(q, k, v, layout, ref[0], ref[1], g);
        Tensor[] grads = cl.sparseAttentionBackward(q, k, v, layout, got[0], got[1], g);
        for (int t = 0; t < 3; t++) assertClose(want[t], grads[t], dtype, GRADS[t] + " " + what);
    }

    @Test
    void everyPatternKindMatchesTheReferenceInFloat32() {
        BlockLayout[] layouts = {
            AttentionPattern.row(5, 3, 7).blockLayout(16),
            AttentionPattern.column(5, 3, 7).blockLayout(16),
            AttentionPattern.convolution(13, 5, 5, 5, ConvolutionEdges.WRAPPING).blockLayout(16),
        };
        long seed = 61;
        for (BlockLayout layout : layouts) {
            check(layout, DType.F32, false, seed++);
            check(layout, DType.F32, true, seed++);
        }
    }

    @Test
    void halfAndBfloatStorageComputeInFloat() {
        BlockLayout layout = AttentionPattern.convolution(5, 4, 5, 3, ConvolutionEdges.CLAMPED).blockLayout(16);
        check(layout, DType.F16, false, 71);
        check(layout, DType.BF16, true, 72);
    }
}
