package dev.tessel.kernels.cpu.gemm;

import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.kernels.cpu.LaneSum;
import dev.tessel.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

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
                    addDot(x, 0, k, m, c0, LaneSum.of(s0), vectorEnd, c, outOffset + j * outStride);
                    addDot(x, 0, k, m, c1, LaneSum.of(s1), vectorEnd, c, outOffset + (j + 1) * outStride);
                    addDot(x, 0, k, m, c2, LaneSum.of(s2), vectorEnd, c, outOffset + (j + 2) * outStride);
                    addDot(x, 0, k, m, c3, LaneSum.of(s3), vectorEnd, c, outOffset + (j + 3) * outStride);
                }
                for (; j < to; j++) {
                    long column = matrix.index(0, j) * 4;
                    FloatVector sum = FloatVector.zero(MicroKernel.S);
                    for (int p = 0; p < vectorEnd; p += LANES) {
                        sum = FloatVector.fromMemorySegment(MicroKernel.S, m, column + p * 4L, ORDER).fma(FloatVector.fromArray(MicroKernel.S, x, p), sum);
                    }
                    addDot(x, 0, k, m, column, LaneSum.of(sum), vectorEnd, c, outOffset + j * outStride);
                }
            });
        }
    }

    /** c[at] += (vectorPart + the scalar tail x[xOff+p]·column[p], vectorEnd <= p < k): one dot product finished. */
    private static void addDot(float[] x, int xOff, int k, MemorySegment m, long column, float vectorPart, int vectorEnd, MemorySegment c, long at) {
        float dot = vectorPart;
        for (int p = vectorEnd; p < k; p++) dot += x[xOff + p] * m.getAtIndex(Operand.FLOAT, column / 4 + p);
        c.setAtIndex(Operand.FLOAT, at, c.getAtIndex(Operand.FLOAT, at) + dot);
    }

    /** Dot products (the matrix's columns contiguous) for at most this many rows at once; more rows repay packing. */
    static final int MAX_DOT_ROWS = 16;

    /**
     * C (m x n, row i at cOffset + i*cRowStride) += A · matrix for a few rows of A (m <= MAX_DOT_ROWS,
     * staged row-major in {@code a}, k columns) and a matrix whose columns are contiguous (a linear
     * layer's weight, transposed): each column is streamed once for all the rows, four rows per
     * pass, where packing would copy the whole weight for a handful of rows (a batch of sampled
     * images, one token each). Every element sums exactly as the one-row dot product does.
     */
    static void multiplyAddRows(float[] a, int m, Operand matrix, int n, MemorySegment c, long cOffset, long cRowStride, int threads) {
        int k = a.length / m;
        MemorySegment w = matrix.segment();
        int vectorEnd = MicroKernel.S.loopBound(k);
        CpuThreads.parallelFor(n, 16, threads, (from, to) -> {
            for (int j = from; j < to; j++) {
                long column = matrix.index(0, j) * 4;
                int i = 0;
                for (; i + 4 <= m; i += 4) {
                    int x0 = i * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
                    FloatVector s0 = FloatVector.zero(MicroKernel.S), s1 = s0, s2 = s0, s3 = s0;
                    for (int p = 0; p < vectorEnd; p += LANES) {
                        FloatVector wp = FloatVector.fromMemorySegment(MicroKernel.S, w, column + p * 4L, ORDER);
                        s0 = wp.fma(FloatVector.fromArray(MicroKernel.S, a, x0 + p), s0);
                        s1 = wp.fma(FloatVector.fromArray(MicroKernel.S, a, x1 + p), s1);
                        s2 = wp.fma(FloatVector.fromArray(MicroKernel.S, a, x2 + p), s2);
                        s3 = wp.fma(FloatVector.fromArray(MicroKernel.S, a, x3 + p), s3);
                    }
                    long at = cOffset + i * cRowStride + j;
                    addDot(a, x0, k, w, column, LaneSum.of(s0), vectorEnd, c, at);
                    addDot(a, x1, k, w, column, LaneSum.of(s1), vectorEnd, c, at + cRowStride);
                    addDot(a, x2, k, w, column, LaneSum.of(s2), vectorEnd, c, at + 2 * cRowStride);
                    addDot(a, x3, k, w, column, LaneSum.of(s3), vectorEnd, c, at + 3 * cRowStride);
                }
                for (; i < m; i++) {
                    FloatVector sum = FloatVector.zero(MicroKernel.S);
                    for (int p = 0; p < vectorEnd; p += LANES) {
                        sum = FloatVector.fromMemorySegment(MicroKernel.S, w, column + p * 4L, ORDER).fma(FloatVector.fromArray(MicroKernel.S, a, i * k + p), sum);
                    }
                    addDot(a, i * k, k, w, column, LaneSum.of(sum), vectorEnd, c, cOffset + i * cRowStride + j);
                }
            }
        });
    }
}
