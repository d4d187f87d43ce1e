// Orthogonalization: makes the columns of a small tall matrix (PowerSGD's P or Q, rows x r)
// orthonormal, in place.
//
// Invariants: matrices are row-major float[rows·cols] with rows >= cols; arithmetic is in double
// and each element is rounded to float once at the end. GRAM_SCHMIDT is torch 1.13's
// _orthogonalize_gram_schmidt step for step (normalise column i, then remove it from every later
// column), so its output has no sign ambiguity. HOUSEHOLDER is LAPACK's geqrf + orgqr (beta =
// -sign(alpha)·norm), so its column signs are those of torch.linalg.qr, which torch uses for r > 2.
package dev.tessel.dist;

/** The two orthogonalisations of PowerSGD, and torch's rule for choosing between them. */
public enum Orthogonalization {
    /** Classical Gram-Schmidt, column by column (Vogels et al.; torch for rank <= 2). */
    GRAM_SCHMIDT,
    /** Householder QR, keeping Q (the DALL·E paper, after adding a small multiple of I). */
    HOUSEHOLDER,
    /** What torch 1.13's powerSGD_hook does: Gram-Schmidt for rank <= 2, else QR (Householder). */
    TORCH;

    /**
     * Orthonormalises the columns of {@code a} (rows x cols, row-major) in place.
     *
     * @param epsilon Gram-Schmidt: added to each column norm before dividing (torch's
     *                orthogonalization_epsilon; 0 divides by the norm itself). Householder: added
     *                to the diagonal first (the paper's 1e-6·I), which keeps a rank-deficient P
     *                from producing an arbitrary basis.
     */
    public void apply(float[] a, int rows, int cols, double epsilon) {
        if (rows < cols || a.length != rows * cols) {
            throw new IllegalArgumentException(this + ": need a tall matrix of rows x cols = " + a.length + " floats, got rows " + rows
                    + ", cols " + cols);
        }
        switch (this) {
            case GRAM_SCHMIDT -> gramSchmidt(a, rows, cols, epsilon);
            case HOUSEHOLDER -> householder(a, rows, cols, epsilon);
            case TORCH -> {
                if (cols <= 2) gramSchmidt(a, rows, cols, epsilon);
                else householder(a, rows, cols, 0);
            }
        }
    }

    private static void gramSchmidt(float[] a, int rows, int cols, double epsilon) {
        double[] m = toDouble(a);
        for (int i = 0; i < cols; i++) {
            double norm = 0;
            for (int r = 0; r < rows; r++) norm += m[r * cols + i] * m[r * cols + i];
            norm = Math.sqrt(norm) + epsilon;
            for (int r = 0; r < rows; r++) m[r * cols + i] /= norm;
            for (int k = i + 1; k < cols; k++) {
                double dot = 0;
                for (int r = 0; r < rows; r++) dot += m[r * cols + i] * m[r * cols + k];
                for (int r = 0; r < rows; r++) m[r * cols + k] -= dot * m[r * cols + i];
            }
        }
        toFloat(m, a);
    }

    private static void householder(float[] a, int rows, int cols, double diagonalShift) {
        double[] m = toDouble(a);
        for (int i = 0; i < cols; i++) m[i * cols + i] += diagonalShift;
        double[][] v = new double[cols][];
        double[] tau = new double[cols];
        for (int j = 0; j < cols; j++) {
            double alpha = m[j * cols + j];
            double tail = 0;
            for (int r = j + 1; r < rows; r++) tail += m[r * cols + j] * m[r * cols + j];
            v[j] = new double[rows - j];
            v[j][0] = 1;
            if (tail == 0) continue;               // H_j = I (LAPACK's dlarfg with a zero tail)
            double beta = -Math.copySign(Math.sqrt(alpha * alpha + tail), alpha);
            tau[j] = (beta - alpha) / beta;
            for (int r = j + 1; r < rows; r++) v[j][r - j] = m[r * cols + j] / (alpha - beta);
            reflect(m, rows, cols, j, v[j], tau[j], j + 1);
        }
        // Q = H_0 H_1 ... H_{c-1} applied to the first c columns of the identity (orgqr).
        double[] q = new double[rows * cols];
        for (int i = 0; i < cols; i++) q[i * cols + i] = 1;
        for (int j = cols - 1; j >= 0; j--) reflect(q, rows, cols, j, v[j], tau[j], 0);
        toFloat(q, a);
    }

    /** Applies I - tau·v·vᵀ (v acting on rows j..) to columns firstCol.. of m. */
    private static void reflect(double[] m, int rows, int cols, int j, double[] v, double tau, int firstCol) {
        if (tau == 0) return;
        for (int k = firstCol; k < cols; k++) {
            double dot = 0;
            for (int r = j; r < rows; r++) dot += v[r - j] * m[r * cols + k];
            double s = tau * dot;
            for (int r = j; r < rows; r++) m[r * cols + k] -= s * v[r - j];
        }
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static void toFloat(double[] d, float[] a) {
        for (int i = 0; i < a.length; i++) a[i] = (float) d[i];
    }
}
