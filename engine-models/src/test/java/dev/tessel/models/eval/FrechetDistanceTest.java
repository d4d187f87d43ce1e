package dev.tessel.models.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.tensor.Philox;
import org.junit.jupiter.api.Test;

/** Fréchet distance on Gaussian cases with closed-form answers, and the eigen-solver under it. */
class FrechetDistanceTest {
    @Test
    void diagonalCovariancesGiveTheClosedForm() {
        double[] mu1 = {0, 1, 2};
        double[] mu2 = {1, 1, 0};
        double[] var1 = {1, 4, 9};
        double[] var2 = {4, 1, 0.25};
        // |mu1 - mu2|^2 + sum (sqrt(v1) - sqrt(v2))^2 = 5 + (1 + 1 + 6.25).
        assertEquals(13.25, FrechetDistance.between(mu1, diag(var1), mu2, diag(var2)), 1e-12);
    }

    @Test
    void nonCommutingTwoByTwoMatchesItsClosedForm() {
        double[][] s1 = {{2, 1}, {1, 2}};
        double[][] s2 = {{3, 0}, {0, 1}};
        // For 2x2 PSD: tr sqrt(S1 S2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2)).
        double[][] p = FrechetDistance.multiply(s1, s2);
        double traceRoot = Math.sqrt(p[0][0] + p[1][1] + 2 * Math.sqrt(3.0 * 3.0));
        double expected = (2 + 2) + (3 + 1) - 2 * traceRoot;
        assertEquals(expected, FrechetDistance.between(new double[2], s1, new double[2], s2), 1e-12);
    }

    @Test
    void rotatingBothSetsChangesNothingAndASetIsAtZeroFromItself() {
        int n = 400;
        int d = 6;
        double[][] a = gaussian(n, d, 1, 0.0, 1.0);
        double[][] b = gaussian(n, d, 2, 0.5, 2.0);
        double[][] q = SymmetricEigen.of(FrechetDistance.covariance(gaussian(50, d, 3, 0, 1), new double[d])).vectors();
        double direct = FrechetDistance.between(a, b);
        double rotated = FrechetDistance.between(FrechetDistance.multiply(a, q), FrechetDistance.multiply(b, q));
        assertEquals(direct, rotated, 1e-9 * direct);
        assertEquals(0, FrechetDistance.between(a, a), 1e-9);
    }

    @Test
    void largeSamplesApproachThePopulationDistance() {
        // N(0, I) against N(0.5, 4 I) in 4 dims: 4 * 0.25 + 4 * (1 - 2)^2 = 5. With 20,000 samples the
        // estimate's standard error is about 0.05 (mostly from the covariance terms): 0.25 is 5 sigma.
        double fd = FrechetDistance.between(gaussian(20_000, 4, 11, 0, 1), gaussian(20_000, 4, 12, 0.5, 2));
        assertEquals(5.0, fd, 0.25);
    }

    @Test
    void eigenDecompositionReconstructsTheMatrix() {
        int n = 9;
        double[][] g = gaussian(n, n, 5, 0, 1);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i][j] = g[i][j] + g[j][i];
        SymmetricEigen e = SymmetricEigen.of(a);
        double[][] back = e.applyToNonNegative(x -> x);
        for (int i = 1; i < n; i++) assertTrue(e.values()[i - 1] <= e.values()[i]);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double dot = 0;
                for (int k = 0; k < n; k++) {
                    sum += e.vectors()[i][k] * e.values()[k] * e.vectors()[j][k];
                    dot += e.vectors()[k][i] * e.vectors()[k][j];
                }
                assertEquals(a[i][j], sum, 1e-12);
                assertEquals(i == j ? 1 : 0, dot, 1e-12);
            }
        }
        // applyToNonNegative clamps the negative eigenvalues this indefinite matrix has.
        assertTrue(e.values()[0] < 0);
        double[][] psd = FrechetDistance.multiply(back, new double[][] {{1}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}});
        assertEquals(n, psd.length);
    }

    @Test
    void badInputsAreNamed() {
        var one = assertThrows(IllegalArgumentException.class, () -> FrechetDistance.between(new double[1][3], new double[5][3]));
        assertTrue(one.getMessage().contains("at least 2"), one.getMessage());
        var sizes = assertThrows(IllegalArgumentException.class, () -> FrechetDistance.between(new double[3][3], new double[3][2]));
        assertTrue(sizes.getMessage().contains("3 and 2"), sizes.getMessage());
        var asym = assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][] {{1, 2}, {0, 1}}));
        assertTrue(asym.getMessage().contains("not symmetric"), asym.getMessage());
    }

    private static double[][] diag(double[] v) {
        double[][] m = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) m[i][i] = v[i];
        return m;
    }

    private static double[][] gaussian(int n, int d, long seed, double mean, double std) {
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i][j] = mean + std * Philox.normal(seed, 0, (long) i * d + j);
        return x;
    }
}
