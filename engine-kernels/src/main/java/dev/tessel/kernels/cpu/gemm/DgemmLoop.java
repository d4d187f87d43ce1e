package dev.tessel.kernels.cpu.gemm;

import dev.tessel.kernels.cpu.CpuThreads;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The float64 matrix product: correctness over speed (F64 serves gradient checks, not training).
 * B is copied once into a dense row-major array, then each C row is built as a sum of scaled B
 * rows — an inner loop C2 auto-vectorises — with rows split over the shared pool.
 *
 * <p>Invariant: every product and sum is in double; element (i,p) of A is at
 * {@code aOffset + i*aRowStride + p*aColStride} (B likewise), C is dense with row stride n.
 */
public final class DgemmLoop {
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private DgemmLoop() {}

    public static void multiply(int m, int n, int k, MemorySegment a, long aOffset, long aRowStride, long aColStride,
                                MemorySegment b, long bOffset, long bRowStride, long bColStride, MemorySegment c, long cOffset,
                                int maxThreads) {
        double[] dense = new double[k * n]; // (k, n) row-major copy of B
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) dense[p * n + j] = b.getAtIndex(DOUBLE, bOffset + p * bRowStride + j * bColStride);
        }
        int grain = Math.max(1, (int) (65_536 / Math.max(1L, (long) n * k)));
        CpuThreads.parallelFor(m, grain, maxThreads, (from, to) -> {
            double[] row = new double[n];
            for (int i = from; i < to; i++) {
                java.util.Arrays.fill(row, 0.0);
                for (int p = 0; p < k; p++) {
                    double x = a.getAtIndex(DOUBLE, aOffset + i * aRowStride + p * aColStride);
                    int base = p * n;
                    for (int j = 0; j < n; j++) row[j] += x * dense[base + j];
                }
                MemorySegment.copy(row, 0, c, DOUBLE, (cOffset + (long) i * n) * 8, n);
            }
        });
    }
}
