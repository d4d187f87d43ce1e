package dev.tessel.models.eval;

import dev.tessel.tensor.Tensor;

/**
 * The Fréchet distance between two Gaussians fitted to two feature sets (the "FID" of Heusel et
 * al. 2017, on whatever features the caller gives — tessel uses the reranker's image encoder):
 * <pre>
 *   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr( (S1 S2)^(1/2) )
 * </pre>
 * with covariances normalised by N - 1 (as numpy.cov, which pytorch-fid uses).
 *
 * <p>How the square-root term is computed: S1 S2 is not symmetric, but it is similar to the
 * symmetric PSD matrix M = S1^(1/2) S2 S1^(1/2), so tr((S1 S2)^(1/2)) = sum of sqrt(eig(M)).
 * Both square roots come from {@link SymmetricEigen}; tiny negative eigenvalues from rounding are
 * clamped to 0. Invariant: everything is in double; the result is d^2 (as FID reports it),
 * clamped at 0.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    /** d^2 between the rows of two feature matrices [N, D] and [M, D] (N, M >= 2). */
    public static double between(double[][] a, double[][] b) {
        check(a, "first");
        check(b, "second");
        if (a[0].length != b[0].length) throw new IllegalArgumentException("FrechetDistance: feature sizes differ: " + a[0].length + " and " + b[0].length);
        double[] muA = mean(a);
        double[] muB = mean(b);
        return between(muA, covariance(a, muA), muB, covariance(b, muB));
    }

    /** d^2 between two feature tensors [N, D] and [M, D] of any floating dtype. */
    public static double between(Tensor a, Tensor b) {
        return between(rows(a), rows(b));
    }

    /** d^2 between N(mu1, s1) and N(mu2, s2). */
    public static double between(double[] mu1, double[][] s1, double[] mu2, double[][] s2) {
        int d = mu1.length;
        double meanTerm = 0;
        for (int i = 0; i < d; i++) meanTerm += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
        double[][] root1 = SymmetricEigen.of(s1).applyToNonNegative(Math::sqrt);
        double[][] m = multiply(multiply(root1, s2), root1);
        // Symmetrise away the rounding of the two products before the eigen-solve.
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double avg = (m[i][j] + m[j][i]) / 2;
                m[i][j] = avg;
                m[j][i] = avg;
            }
        }
        double traceRoot = 0;
        for (double lambda : SymmetricEigen.of(m).values()) traceRoot += Math.sqrt(Math.max(0, lambda));
        double trace = 0;
        for (int i = 0; i < d; i++) trace += s1[i][i] + s2[i][i];
        return Math.max(0, meanTerm + trace - 2 * traceRoot);
    }

    static double[] mean(double[][] x) {
        double[] mu = new double[x[0].length];
        for (double[] row : x) for (int j = 0; j < mu.length; j++) mu[j] += row[j];
        for (int j = 0; j < mu.length; j++) mu[j] /= x.length;
        return mu;
    }

    static double[][] covariance(double[][] x, double[] mu) {
        int d = mu.length;
        double[][] s = new double[d][d];
        for (double[] row : x) {
            for (int i = 0; i < d; i++) {
                double ci = row[i] - mu[i];
                for (int j = i; j < d; j++) s[i][j] += ci * (row[j] - mu[j]);
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                s[i][j] /= x.length - 1;
                s[j][i] = s[i][j];
            }
        }
        return s;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int k = b.length;
        int m = b[0].length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < k; p++) {
                double aip = a[i][p];
                for (int j = 0; j < m; j++) c[i][j] += aip * b[p][j];
            }
        }
        return c;
    }

    private static double[][] rows(Tensor t) {
        if (t.rank() != 2 || !t.dtype().isFloating()) throw new IllegalArgumentException("FrechetDistance: features must be a floating [N, D] tensor, got " + t.dtype() + " " + t.shape());
        double[] flat = t.contiguous().toDoubleArray();
        int n = t.dim(0);
        int d = t.dim(1);
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) System.arraycopy(flat, i * d, out[i], 0, d);
        return out;
    }

    private static void check(double[][] x, String which) {
        if (x.length < 2) throw new IllegalArgumentException("FrechetDistance: the " + which + " set has " + x.length + " rows; a covariance needs at least 2");
        for (double[] row : x) {
            if (row.length != x[0].length) throw new IllegalArgumentException("FrechetDistance: rows of the " + which + " set differ in length");
        }
    }
}
