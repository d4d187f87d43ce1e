package dev.tessel.kernels.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

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
 * here). Packed indices are always base + p*const.
 */
final class MicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    static final int MR = 6;
    static final int NR = 16; // two 8-lane vectors
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private MicroKernel() {}

    /**
     * C += A·B for one full tile. {@code cAt} is the byte offset of C (0,0) in {@code c},
     * {@code cRowBytes} the byte distance between C rows.
     */
    static void tile(int kc, float[] a, int aBase, float[] b, int bBase, MemorySegment c, long cAt, long cRowBytes) {
        long r0 = cAt, r1 = r0 + cRowBytes, r2 = r1 + cRowBytes, r3 = r2 + cRowBytes, r4 = r3 + cRowBytes, r5 = r4 + cRowBytes;
        final int half = S.length() * 4;
        FloatVector c00 = FloatVector.fromMemorySegment(S, c, r0, ORDER), c01 = FloatVector.fromMemorySegment(S, c, r0 + half, ORDER);
        FloatVector c10 = FloatVector.fromMemorySegment(S, c, r1, ORDER), c11 = FloatVector.fromMemorySegment(S, c, r1 + half, ORDER);
        FloatVector c20 = FloatVector.fromMemorySegment(S, c, r2, ORDER), c21 = FloatVector.fromMemorySegment(S, c, r2 + half, ORDER);
        FloatVector c30 = FloatVector.fromMemorySegment(S, c, r3, ORDER), c31 = FloatVector.fromMemorySegment(S, c, r3 + half, ORDER);
        FloatVector c40 = FloatVector.fromMemorySegment(S, c, r4, ORDER), c41 = FloatVector.fromMemorySegment(S, c, r4 + half, ORDER);
        FloatVector c50 = FloatVector.fromMemorySegment(S, c, r5, ORDER), c51 = FloatVector.fromMemorySegment(S, c, r5 + half, ORDER);
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
        c00.intoMemorySegment(c, r0, ORDER);
        c01.intoMemorySegment(c, r0 + half, ORDER);
        c10.intoMemorySegment(c, r1, ORDER);
        c11.intoMemorySegment(c, r1 + half, ORDER);
        c20.intoMemorySegment(c, r2, ORDER);
        c21.intoMemorySegment(c, r2 + half, ORDER);
        c30.intoMemorySegment(c, r3, ORDER);
        c31.intoMemorySegment(c, r3 + half, ORDER);
        c40.intoMemorySegment(c, r4, ORDER);
        c41.intoMemorySegment(c, r4 + half, ORDER);
        c50.intoMemorySegment(c, r5, ORDER);
        c51.intoMemorySegment(c, r5 + half, ORDER);
    }
}
