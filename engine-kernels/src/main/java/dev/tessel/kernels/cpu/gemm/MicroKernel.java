package dev.tessel.kernels.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 6x16 register-blocked SGEMM micro-kernel: C[6x16] += packedA strip (6 x kc) · packedB strip
 * (kc x 16), with 12 eight-lane accumulators (DESIGN.md section 2d).
 *
 * <p>Invariants a reader must keep: the k-loop body touches nothing but the two packed arrays and
 * the 12 accumulators — an extra live vector makes C2 spill (the 6x16 shape needs
 * -XX:-OptoRegScheduling so C2 does not hoist all six A broadcasts); C is always accumulated
 * into, with no beta branch (one caused spills; callers zero C first when they do not
 * accumulate). The accumulators start as the C tile itself, loaded before the k-loop: Java has no
 * prefetch, and this is the "touch C early" that keeps C misses from stalling an epilogue (a
 * variant with zeroed accumulators, a scalar touch of C and an add at the end measured the same
 * here). Packed indices are always base + p*const. C is a Java float array (a heap tensor's own
 * array, or SgemmDriver's scratch tile for off-heap C and partial tiles): when C was a
 * MemorySegment of either kind, the compiled loads and stores of C depended on which kinds C2's
 * profile had seen, and in some JVMs they were not intrinsified -- the transformer's training
 * step ran 1.7x slower in those (docs/performance.md, "A JVM in two speeds").
 */
final class MicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    static final int MR = 6;
    static final int NR = 16; // two 8-lane vectors

    private MicroKernel() {}

    /** C += A·B for one full tile; C (0,0) is {@code c[cAt]} and its rows are {@code cRowStride} floats apart. */
    static void tile(int kc, float[] a, int aBase, float[] b, int bBase, float[] c, int cAt, int cRowStride) {
        int r0 = cAt, r1 = r0 + cRowStride, r2 = r1 + cRowStride, r3 = r2 + cRowStride, r4 = r3 + cRowStride, r5 = r4 + cRowStride;
        final int half = S.length();
        FloatVector c00 = FloatVector.fromArray(S, c, r0), c01 = FloatVector.fromArray(S, c, r0 + half);
        FloatVector c10 = FloatVector.fromArray(S, c, r1), c11 = FloatVector.fromArray(S, c, r1 + half);
        FloatVector c20 = FloatVector.fromArray(S, c, r2), c21 = FloatVector.fromArray(S, c, r2 + half);
        FloatVector c30 = FloatVector.fromArray(S, c, r3), c31 = FloatVector.fromArray(S, c, r3 + half);
        FloatVector c40 = FloatVector.fromArray(S, c, r4), c41 = FloatVector.fromArray(S, c, r4 + half);
        FloatVector c50 = FloatVector.fromArray(S, c, r5), c51 = FloatVector.fromArray(S, c, r5 + half);
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * 16, ai = aBase + p * 6;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + 8);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + half);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + half);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + half);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + half);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + half);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + half);
    }
}
