package dev.tessel.autograd.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.GradCheck;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.kernels.attention.AttentionPattern.ConvolutionEdges;
import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The autograd rule of block-sparse attention ({@link Functional#sparseAttention}): a float64
 * finite-difference gradcheck of q, k and v on both backends for a row, a transposed column and a
 * wrapping convolutional layout, and the same values and gradients as the dense masked-attention
 * rule with the layout's explicit mask in float32.
 */
class SparseAttentionGradTest {
    private static final Backend[] BACKENDS = {Backends.reference(), Backends.cpu()};

    private static Tensor uniform(Random rnd, DType dtype, int... dims) {
        Tensor t = Tensor.zeros(dtype, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, 2 * rnd.nextDouble() - 1);
        return t;
    }

    @Test
    void gradcheckInFloat64() {
        Random rnd = new Random(51);
        BlockLayout[] layouts = {
            AttentionPattern.row(2, 2, 3).blockLayout(8),
            AttentionPattern.column(2, 3, 2).blockLayout(8),
            AttentionPattern.convolution(1, 3, 3, 3, ConvolutionEdges.WRAPPING).blockLayout(8),
        };
        for (BlockLayout layout : layouts) {
            int n = layout.length();
            List<Tensor> qkv = List.of(uniform(rnd, DType.F64, 1, 2, n, 3), uniform(rnd, DType.F64, 1, 2, n, 3), uniform(rnd, DType.F64, 1, 2, n, 2));
            for (Backend b : BACKENDS) {
                try (var s = Autograd.backend(b)) {
                    GradCheck.Report r = GradCheck.assertGradients(in -> Functional.sparseAttention(in.get(0), in.get(1), in.get(2), layout), qkv);
                    assertTrue(r.elementsChecked() > 0, b.name() + " " + layout);
                }
            }
        }
    }

    @Test
    void sameValuesAndGradientsAsDenseMaskedAttention() {
        Random rnd = new Random(52);
        BlockLayout layout = AttentionPattern.convolution(6, 5, 6, 5, ConvolutionEdges.CLAMPED).blockLayout(16);
        int n = layout.length();
        Tensor q = uniform(rnd, DType.F32, 2, 2, n, 8), k = uniform(rnd, DType.F32, 2, 2, n, 8), v = uniform(rnd, DType.F32, 2, 2, n, 8);
        Tensor w = uniform(rnd, DType.F32, 2, 2, n, 8), mask = layout.denseMask();
        for (Backend b : BACKENDS) {
            try (var s = Autograd.backend(b)) {
                Variable[] sparse = {Variable.parameter(q.copy()), Variable.parameter(k.copy()), Variable.parameter(v.copy())};
                Variable[] dense = {Variable.parameter(q.copy()), Variable.parameter(k.copy()), Variable.parameter(v.copy())};
                Variable ys = Functional.sparseAttention(sparse[0], sparse[1], sparse[2], layout);
                Variable yd = Functional.maskedAttention(dense[0], dense[1], dense[2], mask);
                assertNear(yd.value(), ys.value(), b.name() + " out");
                ys.backward(w);
                yd.backward(w);
                for (int i = 0; i < 3; i++) assertNear(dense[i].grad(), sparse[i].grad(), b.name() + " grad " + "qkv".charAt(i));
            }
        }
    }

    /** float32 results of two float32 kernels with different summation orders: a few units of 2^-23 relative. */
    private static void assertNear(Tensor want, Tensor got, String what) {
        assertEquals(want.shape(), got.shape(), what);
        for (long f = 0; f < want.numel(); f++) {
            double e = want.getDouble(f), g = got.getDouble(f);
            assertTrue(Math.abs(g - e) <= 2e-6 + 1e-5 * Math.abs(e), what + " at " + f + ": " + g + " vs " + e);
        }
    }
}
