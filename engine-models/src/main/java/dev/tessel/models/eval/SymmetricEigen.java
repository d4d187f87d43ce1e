package dev.tessel.models.eval;

/**
 * Eigen-decomposition A = V diag(values) V^T of a real symmetric matrix by the cyclic Jacobi
 * method, in plain double: each rotation zeroes one off-diagonal pair, sweeps repeat until the
 * off-diagonal mass is negligible against the diagonal.
 *
 * <p>Invariants: the input is not modified; {@code vectors} is orthonormal with column i the
 * eigenvector of {@code values[i]}; values are sorted ascending. Cost is about 6 n^3 flops per
 * sweep and 6-10 sweeps: fine for feature sizes up to a few hundred.
 */
public record SymmetricEigen(double[] values, double[][] vectors) {
    private static final int MAX_SWEEPS = 100;

    public static SymmetricEigen of(double[][] matrix) {
        int n = matrix.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            if (matrix[i].length != n) throw new IllegalArgumentException("SymmetricEigen: row " + i + " has " + matrix[i].length + " entries, expected " + n);
            a[i] = matrix[i].clone();
        }
        double asymmetry = 0;
        double scale = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                asymmetry = Math.max(asymmetry, Math.abs(a[i][j] - a[j][i]));
                scale = Math.max(scale, Math.abs(a[i][j]));
            }
        }
        if (asymmetry > 1e-9 * Math.max(scale, Double.MIN_NORMAL)) {
            throw new IllegalArgumentException("SymmetricEigen: matrix is not symmetric (largest |a_ij - a_ji| = " + asymmetry + ")");
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) v[i][i] = 1;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += a[i][i] * a[i][i];
                for (int j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
            }
            if (off <= 1e-30 * diag || off == 0) break;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] != 0) rotate(a, v, p, q);
                }
            }
        }
        return sorted(a, v);
    }

    /** One Jacobi rotation in the (p, q) plane that makes a[p][q] zero (Golub and Van Loan, 8.5). */
    private static void rotate(double[][] a, double[][] v, int p, int q) {
        int n = a.length;
        double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (theta == 0) t = 1;
        double c = 1 / Math.sqrt(t * t + 1);
        double s = t * c;
        for (int k = 0; k < n; k++) {
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++) {
            double vkp = v[k][p];
            double vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
        }
    }

    private static SymmetricEigen sorted(double[][] a, double[][] v) {
        int n = a.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Double.compare(a[x][x], a[y][y]));
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int i = 0; i < n; i++) {
            values[i] = a[order[i]][order[i]];
            for (int k = 0; k < n; k++) vectors[k][i] = v[k][order[i]];
        }
        return new SymmetricEigen(values, vectors);
    }

    /** V f(values) V^T with negative eigenvalues (rounding noise of a PSD matrix) clamped to 0 first. */
    public double[][] applyToNonNegative(java.util.function.DoubleUnaryOperator f) {
        int n = values.length;
        double[] fv = new double[n];
        for (int i = 0; i < n; i++) fv[i] = f.applyAsDouble(Math.max(0, values[i]));
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) sum += vectors[i][k] * fv[k] * vectors[j][k];
                out[i][j] = sum;
                out[j][i] = sum;
            }
        }
        return out;
    }
}
