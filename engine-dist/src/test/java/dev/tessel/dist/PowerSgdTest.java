package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PowerSGD's pieces: both orthogonalisations (orthonormal, same span, LAPACK's signs for
 * Householder, the paper's shift rescuing a rank-deficient P), the compression rule, exactness on
 * a gradient of rank <= r, error feedback conserving every rank's gradient in every mode, and the
 * 1-6-9 wire format.
 */
class PowerSgdTest {
    @Test
    void bothOrthogonalisationsGiveOrthonormalColumnsSpanningTheInput() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int[] shape : new int[][] {{11, 3}, {7, 1}, {5, 5}, {9, 2}}) {
            int rows = shape[0], cols = shape[1];
            float[] a = new float[rows * cols];
            for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
            float[] gs = a.clone(), hh = a.clone();
            Orthogonalization.GRAM_SCHMIDT.apply(gs, rows, cols, 0);
            Orthogonalization.HOUSEHOLDER.apply(hh, rows, cols, 0);
            for (float[] q : new float[][] {gs, hh}) {
                for (int i = 0; i < cols; i++) {
                    for (int j = 0; j < cols; j++) assertEquals(i == j ? 1 : 0, dot(q, q, rows, cols, i, j), 1e-6, "QᵀQ at " + i + "," + j);
                }
            }
            // Both are QR factorisations of A: column j spans the first j+1 input columns, so GS and
            // Householder columns agree up to sign.
            for (int j = 0; j < cols; j++) assertEquals(1, Math.abs(dot(gs, hh, rows, cols, j, j)), 1e-5, "column " + j + " of " + rows + "x" + cols);
        }
    }

    @Test
    void householderHasLapacksSigns() {
        // numpy.linalg.qr([[3],[4]]) = Q [[-0.6],[-0.8]], R [[-5]]: beta = -sign(alpha)·norm
        float[] a = {3, 4};
        Orthogonalization.HOUSEHOLDER.apply(a, 2, 1, 0);
        assertArrayEquals(new float[] {-0.6f, -0.8f}, a, 1e-7f);
        // torch's rule: rank <= 2 is Gram-Schmidt (positive projection), so [3, 4] -> [0.6, 0.8]
        float[] b = {3, 4};
        Orthogonalization.TORCH.apply(b, 2, 1, 0);
        assertArrayEquals(new float[] {0.6f, 0.8f}, b, 1e-7f);
    }

    @Test
    void thePapersShiftMakesARankDeficientMatrixOrthonormal() {
        float[] zeroSecondColumn = {1, 0, 2, 0, 3, 0, 4, 0};   // 4 x 2, column 1 all zero
        float[] gs = zeroSecondColumn.clone();
        Orthogonalization.GRAM_SCHMIDT.apply(gs, 4, 2, 0);
        assertTrue(Float.isNaN(gs[1]), "plain Gram-Schmidt divides 0 by 0 (torch does too)");
        float[] hh = zeroSecondColumn.clone();
        Orthogonalization.HOUSEHOLDER.apply(hh, 4, 2, 1e-6);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) assertEquals(i == j ? 1 : 0, dot(hh, hh, 4, 2, i, j), 1e-6);
    }

    @Test
    void compressesOnlyMatricesThatShrinkEnough() {
        LocalCommunicator.launch(1, c -> {
            List<int[]> shapes = List.of(new int[] {16, 12}, new int[] {16, 1}, new int[] {6, 6}, new int[] {40, 30});
            PowerSgd p = new PowerSgd(PowerSgd.Options.torch(2, 0, 1), c, shapes, List.of(true, true, true, false));
            assertTrue(p.compressed(0), "(16+12)·2·2 = 112 < 192");
            assertFalse(p.compressed(1), "a vector never compresses");
            assertFalse(p.compressed(2), "(6+6)·2·2 = 48 >= 36");
            assertFalse(p.compressed(3), "the caller forbade it (an embedding)");
        });
    }

    @Test
    void aGradientOfRankAtMostRIsAveragedExactly() {
        // every rank holds u vᵀ·(rank+1): the average is rank 1, so rank-1 PowerSGD is exact
        int rows = 9, cols = 7, world = 3;
        LocalCommunicator.launch(world, c -> {
            PowerSgd p = new PowerSgd(PowerSgd.Options.torch(1, 0, 5), c, List.<int[]>of(new int[] {rows, cols}), List.of(true));
            float[] g = new float[rows * cols], want = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    g[i * cols + j] = (float) ((i - 4) * (j + 1) * 0.1 * (c.rank() + 1));
                    want[i * cols + j] = (float) ((i - 4) * (j + 1) * 0.1 * 2);
                }
            }
            Tensor t = Tensor.of(g, rows, cols);
            p.reduce(List.of(t));
            assertArrayEquals(want, t.toFloatArray(), 1e-5f);
        });
    }

    @Test
    void errorFeedbackConservesEveryRanksGradientInEveryMode() {
        for (PowerSgd.QMode mode : PowerSgd.QMode.values()) {
            for (Orthogonalization orth : List.of(Orthogonalization.GRAM_SCHMIDT, Orthogonalization.HOUSEHOLDER)) {
                PowerSgd.Options o = new PowerSgd.Options(2, 0, 1, true, mode, orth, orth == Orthogonalization.HOUSEHOLDER ? 1e-6 : 0, DType.F32, 11);
                checkConservation(o);
            }
        }
    }

    /** Per rank, over PowerSGD steps from a zero error: sum of averages + error = sum of own gradients. */
    private static void checkConservation(PowerSgd.Options o) {
        List<int[]> shapes = List.of(new int[] {13, 5}, new int[] {13, 1}, new int[] {6, 10});
        int steps = 4;
        Map<Integer, List<float[]>> averagesByRank = new ConcurrentHashMap<>();
        LocalCommunicator.launch(3, c -> {
            PowerSgd p = new PowerSgd(o, c, shapes, List.of(true, true, true));
            SplittableRandom rng = new SplittableRandom(100 + c.rank());
            double[][] sumGrad = new double[shapes.size()][], sumAvg = new double[shapes.size()][];
            List<float[]> averages = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                List<Tensor> grads = new ArrayList<>();
                for (int i = 0; i < shapes.size(); i++) {
                    int n = shapes.get(i)[0] * shapes.get(i)[1];
                    float[] g = new float[n];
                    for (int j = 0; j < n; j++) g[j] = (float) rng.nextGaussian();
                    if (sumGrad[i] == null) {
                        sumGrad[i] = new double[n];
                        sumAvg[i] = new double[n];
                    }
                    for (int j = 0; j < n; j++) sumGrad[i][j] += g[j];
                    grads.add(Tensor.of(g, shapes.get(i)));
                }
                p.reduce(grads);
                for (int i = 0; i < grads.size(); i++) {
                    float[] avg = grads.get(i).toFloatArray();
                    averages.add(avg);
                    for (int j = 0; j < avg.length; j++) sumAvg[i][j] += avg[j];
                }
            }
            for (int i = 0; i < shapes.size(); i++) {
                float[] e = p.error(i);
                for (int j = 0; j < e.length; j++) {
                    assertEquals(sumGrad[i][j], sumAvg[i][j] + e[j], 1e-5 * steps, o + ": tensor " + i + " element " + j + " lost gradient");
                }
            }
            averagesByRank.put(c.rank(), averages);
        });
        for (int r = 1; r < 3; r++) {
            for (int k = 0; k < averagesByRank.get(0).size(); k++) {
                assertArrayEquals(averagesByRank.get(0).get(k), averagesByRank.get(r).get(k), o + ": ranks applied different averages");
            }
        }
    }

    @Test
    void theOneSixNineWireAndErrorBufferStayWithinTheirPrecision() {
        List<int[]> shapes = List.<int[]>of(new int[] {12, 8});
        Map<DType, float[]> results = new ConcurrentHashMap<>();
        for (DType wire : List.of(DType.F32, DType.MEAN_1_6_9)) {
            PowerSgd.Options o = new PowerSgd.Options(2, 0, 1, true, PowerSgd.QMode.FIXED_RANDOM, Orthogonalization.HOUSEHOLDER, 1e-6, wire, 9);
            LocalCommunicator.launch(2, c -> {
                PowerSgd p = new PowerSgd(o, c, shapes, List.of(true));
                SplittableRandom rng = new SplittableRandom(50 + c.rank());
                float[] g = new float[96];
                for (int j = 0; j < g.length; j++) g[j] = (float) (0.1 * rng.nextGaussian());
                Tensor t = Tensor.of(g, 12, 8);
                p.reduce(List.of(t));
                float[] avg = t.toFloatArray(), e = p.error(0);
                for (int j = 0; j < g.length; j++) {
                    // the buffer holds g - avg rounded once to the wire format: 2^-10 relative for 1-6-9
                    double exact = (double) g[j] - avg[j];
                    double allowed = wire == DType.F32 ? 1e-7 : Math.scalb(1.0, -10) * Math.abs(exact) + 1e-30;
                    assertEquals(exact, e[j], allowed + 1e-7, wire + " error buffer element " + j);
                    if (wire == DType.MEAN_1_6_9) {
                        assertEquals(e[j], dev.tessel.tensor.MomentFormat.MEAN_1_6_9.decode(dev.tessel.tensor.MomentFormat.MEAN_1_6_9.encode(e[j])),
                                "stored values are 1-6-9 codes");
                    }
                }
                if (c.rank() == 0) results.put(wire, avg);
            });
        }
        float[] exact = results.get(DType.F32), narrow = results.get(DType.MEAN_1_6_9);
        double scale = 0;
        for (float v : exact) scale = Math.max(scale, Math.abs(v));
        // 9 mantissa bits: each P and Q element carries a relative error <= 2^-10; the product sums r
        // such terms, so a few 2^-10 of the largest magnitude bound the difference.
        for (int i = 0; i < exact.length; i++) assertEquals(exact[i], narrow[i], 8 * Math.scalb(1.0, -10) * scale, "element " + i);
    }

    @Test
    void wrongGradientsAreRejectedWithTheExpectedShape() {
        LocalCommunicator.launch(1, c -> {
            PowerSgd p = new PowerSgd(PowerSgd.Options.torch(2, 0, 1), c, List.<int[]>of(new int[] {4, 3}), List.of(true));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.reduce(List.of(Tensor.zeros(DType.F32, 5, 3))));
            assertTrue(e.getMessage().contains("4 x 3"), e.getMessage());
        });
    }

    private static double dot(float[] a, float[] b, int rows, int cols, int i, int j) {
        double s = 0;
        for (int r = 0; r < rows; r++) s += (double) a[r * cols + i] * b[r * cols + j];
        return s;
    }
}
