package dev.tessel.kernels.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The 6x16 register-blocked SGEMM micro-kernel: C[6x16] += packedA strip (6 x kc) · packedB strip
 * (kc x 16), with 12 eight-lane accumulators (DESIGN.md section 2d).
 *
 * <p>Invariants a reader must keep: the k-loop body touches nothing but the two packed arrays and
 * the 12 accumulators — an extra live vector makes C2 spill (the 6x16 shape needs
 * -XX:-OptoRegScheduling so C2 does not hoist all six A broadcasts); the accumulators start at
 * zero and the epilogue adds them to C with no branch (a beta test here caused spills; callers
 * zero C first when they do not accumulate). Java has no prefetch, so the kernel reads the first
 * and last float of each C row before the k-loop and parks their sum in {@code sink}: the C lines
 * arrive while the multiply-adds run instead of stalling the epilogue; storing the sum (into a
 * float[], the alias class of the packed arrays) before the loop keeps C2 from dropping the loads
 * or sinking them past the loop. Packed indices are always base + p*const.
 */
final class MicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    static final int MR = 6;
    static final int NR = 16; // two 8-lane vectors
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private MicroKernel() {}

    /**
     * C += A·B for one full tile. {@code cAt} is the byte offset of C (0,0) in {@code c},
     * {@code cRowBytes} the byte distance between C rows; {@code sink} is the caller's own scratch.
     */
    static void tile(int kc, float[] a, int aBase, float[] b, int bBase, MemorySegment c, long cAt, long cRowBytes, float[] sink) {
        long r0 = cAt, r1 = r0 + cRowBytes, r2 = r1 + cRowBytes, r3 = r2 + cRowBytes, r4 = r3 + cRowBytes, r5 = r4 + cRowBytes;
        final int half = S.length() * 4, last = NR * 4 - 4;
        float touched = c.get(F, r0) + c.get(F, r0 + last) + c.get(F, r1) + c.get(F, r1 + last) + c.get(F, r2) + c.get(F, r2 + last)
                + c.get(F, r3) + c.get(F, r3 + last) + c.get(F, r4) + c.get(F, r4 + last) + c.get(F, r5) + c.get(F, r5 + last);
        sink[0] = touched; // stored before the loop: C2 cannot sink the loads below the k-loop's array reads
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
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
        c00.add(FloatVector.fromMemorySegment(S, c, r0, ORDER)).intoMemorySegment(c, r0, ORDER);
        c01.add(FloatVector.fromMemorySegment(S, c, r0 + half, ORDER)).intoMemorySegment(c, r0 + half, ORDER);
        c10.add(FloatVector.fromMemorySegment(S, c, r1, ORDER)).intoMemorySegment(c, r1, ORDER);
        c11.add(FloatVector.fromMemorySegment(S, c, r1 + half, ORDER)).intoMemorySegment(c, r1 + half, ORDER);
        c20.add(FloatVector.fromMemorySegment(S, c, r2, ORDER)).intoMemorySegment(c, r2, ORDER);
        c21.add(FloatVector.fromMemorySegment(S, c, r2 + half, ORDER)).intoMemorySegment(c, r2 + half, ORDER);
        c30.add(FloatVector.fromMemorySegment(S, c, r3, ORDER)).intoMemorySegment(c, r3, ORDER);
        c31.add(FloatVector.fromMemorySegment(S, c, r3 + half, ORDER)).intoMemorySegment(c, r3 + half, ORDER);
        c40.add(FloatVector.fromMemorySegment(S, c, r4, ORDER)).intoMemorySegment(c, r4, ORDER);
        c41.add(FloatVector.fromMemorySegment(S, c, r4 + half, ORDER)).intoMemorySegment(c, r4 + half, ORDER);
        c50.add(FloatVector.fromMemorySegment(S, c, r5, ORDER)).intoMemorySegment(c, r5, ORDER);
        c51.add(FloatVector.fromMemorySegment(S, c, r5 + half, ORDER)).intoMemorySegment(c, r5 + half, ORDER);
    }
}
