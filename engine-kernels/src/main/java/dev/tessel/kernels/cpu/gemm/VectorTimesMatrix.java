package dev.tessel.kernels.cpu.gemm;

import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.kernels.cpu.LaneSum;
import dev.tessel.tensor.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The one-row and one-column products (a token at a time through a linear layer): out = x·M for a
 * vector x of length k and a k x n F32 matrix M read in place. Packing would copy all of M to
 * use one of six (or sixteen) lanes of each tile, so here M is streamed once: as row updates
 * (out += x_p * M[p, :]) when M's rows are contiguous, as dot products when its columns are.
 *
 * <p>Invariant: only called with an F32 matrix that has a unit stride along one axis; every
 * thread owns a disjoint range of outputs; accumulation is in float, like the packed path.
 */
final class VectorTimesMatrix {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int LANES = MicroKernel.S.length();

    private VectorTimesMatrix() {}

    static boolean applies(Operand matrix) {
        return matrix.dtype() == DType.F32 && (matrix.colStride() == 1 || matrix.rowStride() == 1);
    }

    /** out (element j at outOffset + j*outStride of c) += sum_p x[p] * matrix(p, j). */
    static void multiplyAdd(float[] x, Operand matrix, int n, MemorySegment c, long outOffset, long outStride, int threads) {
        int k = x.length;
        MemorySegment m = matrix.segment();
        if (matrix.colStride() == 1) {
            CpuThreads.parallelFor(n, 512, threads, (from, to) -> {
                float[] acc = new float[to - from];
                int vectorEnd = MicroKernel.S.loopBound(acc.length);
                for (int p = 0; p < k; p++) {
                    FloatVector xp = FloatVector.broadcast(MicroKernel.S, x[p]);
                    long row = matrix.index(p, from) * 4;
                    int j = 0;
                    for (; j < vectorEnd; j += LANES) {
                        FloatVector.fromMemorySegment(MicroKernel.S, m, row + j * 4L, ORDER).fma(xp, FloatVector.fromArray(MicroKernel.S, acc, j))
                                .intoArray(acc, j);
                    }
                    for (; j < acc.length; j++) acc[j] += x[p] * m.getAtIndex(Operand.FLOAT, row / 4 + j);
                }
                for (int j = 0; j < acc.length; j++) {
                    long at = outOffset + (from + j) * outStride;
                    c.setAtIndex(Operand.FLOAT, at, c.getAtIndex(Operand.FLOAT, at) + acc[j]);
                }
            });
        } else {
            int vectorEnd = MicroKernel.S.loopBound(k);
            CpuThreads.parallelFor(n, 16, threads, (from, to) -> {
                int j = from;
                // Four columns at a time: four independent FMA chains hide the FMA latency and share
                // each load of x. Each column still sums exactly as the one-column loop below.
                for (; j + 4 <= to; j += 4) {
                    long c0 = matrix.index(0, j) * 4, c1 = matrix.index(0, j + 1) * 4, c2 = matrix.index(0, j + 2) * 4, c3 = matrix.index(0, j + 3) * 4;
                    FloatVector s0 = FloatVector.zero(MicroKernel.S), s1 = s0, s2 = s0, s3 = s0;
                    for (int p = 0; p < vectorEnd; p += LANES) {
                        FloatVector xp = FloatVector.fromArray(MicroKernel.S, x, p);
                        long off = p * 4L;
                        s0 = FloatVector.fromMemorySegment(MicroKernel.S, m, c0 + off, ORDER).fma(xp, s0);
                        s1 = FloatVector.fromMemorySegment(MicroKernel.S, m, c1 + off, ORDER).fma(xp, s1);
                        s2 = FloatVector.fromMemorySegment(MicroKernel.S, m, c2 + off, ORDER).fma(xp, s2);
                        s3 = FloatVector.fromMemorySegment(MicroKernel.S, m, c3 + off, ORDER).fma(xp, s3);
                    }
                    addDot(x, m, c0, LaneSum.of256(s0), vectorEnd, c, outOffset + j * outStride);
                    addDot(x, m, c1, LaneSum.of256(s1), vectorEnd, c, outOffset + (j + 1) * outStride);
                    addDot(x, m, c2, LaneSum.of256(s2), vectorEnd, c, outOffset + (j + 2) * outStride);
                    addDot(x, m, c3, LaneSum.of256(s3), vectorEnd, c, outOffset + (j + 3) * outStride);
                }
                for (; j < to; j++) {
                    long column = matrix.index(0, j) * 4;
                    FloatVector sum = FloatVector.zero(MicroKernel.S);
                    for (int p = 0; p < vectorEnd; p += LANES) {
                        sum = FloatVector.fromMemorySegment(MicroKernel.S, m, column + p * 4L, ORDER).fma(FloatVector.fromArray(MicroKernel.S, x, p), sum);
                    }
                    addDot(x, m, column, LaneSum.of256(sum), vectorEnd, c, outOffset + j * outStride);
                }
            });
        }
    }

    /** c[at] += (vectorPart + the scalar tail x[p]·column[p], p >= vectorEnd): one column's dot product finished. */
    private static void addDot(float[] x, MemorySegment m, long column, float vectorPart, int vectorEnd, MemorySegment c, long at) {
        float dot = vectorPart;
        for (int p = vectorEnd; p < x.length; p++) dot += x[p] * m.getAtIndex(Operand.FLOAT, column / 4 + p);
        c.setAtIndex(Operand.FLOAT, at, c.getAtIndex(Operand.FLOAT, at) + dot);
    }
}
