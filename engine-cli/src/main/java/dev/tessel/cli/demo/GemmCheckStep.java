package dev.tessel.cli.demo;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.Tensor;

import java.io.PrintStream;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Demo step: one random f32 GEMM C[M,N] = A[M,K]·B[K,N] on the Cpu backend, checked against the
 * Reference backend (the scalar oracle).
 *
 * <p>Invariant: the acceptance bound is the standard worst-case error of a float sum of K products,
 * |err| <= gamma_K · sum_k |a_ik·b_kj| with gamma_K = K·u/(1 - K·u), u = 2^-24, plus one rounding of
 * the reference result to float; it is derived, not tuned, so a pass means the kernel is right.
 */
final class GemmCheckStep implements DemoStep {
    private static final double UNIT_ROUNDOFF = 0x1p-24;
    private final int m;
    private final int k;
    private final int n;
    private final long seed;

    GemmCheckStep(int m, int k, int n, long seed) {
        this.m = m;
        this.k = k;
        this.n = n;
        this.seed = seed;
    }

    @Override
    public String title() { return String.format(Locale.ROOT, "GEMM %dx%dx%d (MxKxN) f32: cpu vs reference", m, k, n); }

    @Override
    public Outcome run(PrintStream out) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] a = randomMatrix(random, m * k);
        float[] b = randomMatrix(random, k * n);
        Backend cpu = Backends.cpu();
        Backend reference = Backends.reference();
        try (Tensor ta = Tensor.of(a, m, k); Tensor tb = Tensor.of(b, k, n)) {
            long start = System.nanoTime();
            Tensor got;
            Tensor expected;
            try {
                got = cpu.matmul(ta, tb, false, false);
                expected = reference.matmul(ta, tb, false, false);
            } catch (UnsupportedOperationException e) {
                return new Outcome(Status.INCOMPLETE, "not implemented yet: " + e.getMessage());
            }
            double millis = (System.nanoTime() - start) / 1e6;
            try (got; expected) {
                return compare(out, a, b, got, expected, millis);
            }
        }
    }

    private Outcome compare(PrintStream out, float[] a, float[] b, Tensor got, Tensor expected, double millis) {
        double gamma = k * UNIT_ROUNDOFF / (1 - k * UNIT_ROUNDOFF);
        double maxErr = 0;
        double worstRatio = 0;
        long bad = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double absSum = 0;
                for (int p = 0; p < k; p++) absSum += Math.abs((double) a[i * k + p] * b[p * n + j]);
                double e = expected.getDouble((long) i * n + j);
                double bound = gamma * absSum + UNIT_ROUNDOFF * Math.abs(e);
                double err = Math.abs(got.getDouble((long) i * n + j) - e);
                if (!(err <= bound)) bad++;
                maxErr = Math.max(maxErr, err);
                worstRatio = Math.max(worstRatio, bound > 0 ? err / bound : err > 0 ? Double.POSITIVE_INFINITY : 0);
            }
        }
        out.println(String.format(Locale.ROOT, "  max_abs_err %.2e, worst error/bound %.3f, %d of %d elements outside the bound (%.0f ms for both backends)",
                maxErr, worstRatio, bad, (long) m * n, millis));
        String text = String.format(Locale.ROOT, "%d of %d elements outside the float error bound, max_abs_err %.2e", bad, (long) m * n, maxErr);
        return new Outcome(bad == 0 ? Status.OK : Status.FAILED, text);
    }

    private static float[] randomMatrix(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) values[i] = (float) random.nextDouble(-1, 1);
        return values;
    }
}
