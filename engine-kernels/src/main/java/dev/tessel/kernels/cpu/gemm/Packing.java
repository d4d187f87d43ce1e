package dev.tessel.kernels.cpu.gemm;

import dev.tessel.tensor.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Copies GEMM operands into the layouts the micro-kernel streams through, converting to float.
 *
 * <p>Layouts (k-major strips, zero-padded to full strips so the micro-kernel never branches on size):
 * packed A block (mc x kc): strip s holds rows [s*MR, s*MR+MR); element (r, p) of the strip at
 * {@code s*MR*kc + p*MR + r}. Packed B panel (kc x nc): strip t holds columns [t*NR, t*NR+NR);
 * element (p, j) at {@code t*NR*kc + p*NR + j}. Each operand is read along whichever of its two
 * axes has the smaller stride, so transposed inputs pack as fast as plain ones.
 */
final class Packing {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private Packing() {}

    /** Packs rows [i0, i0+mc) x columns [p0, p0+kc) of a into dst. */
    static void packA(Operand a, int i0, int mc, int p0, int kc, float[] dst) {
        final int mr = MicroKernel.MR;
        boolean alongK = Math.abs(a.colStride()) <= Math.abs(a.rowStride());
        float[] heap = a.heapFloats();
        for (int s = 0; s * mr < mc; s++) {
            int base = s * mr * kc;
            int rows = Math.min(mr, mc - s * mr);
            if (rows == mr && heap != null) {
                copyFullStrip(heap, a.segment().address() / 4 + a.index(i0 + s * mr, p0), a.rowStride(), a.colStride(), kc, dst, base);
            } else if (a.colStride() == 1) {
                // Unit-stride rows: one bulk read (converting 16-bit) per row, then interleave in plain
                // array code (a checked segment read per element cost as much as the micro-kernel).
                float[] row = new float[kc];
                for (int r = 0; r < rows; r++) {
                    a.readLine(a.index(i0 + s * mr + r, p0), 1, kc, row, 0, 1);
                    for (int p = 0; p < kc; p++) dst[base + p * mr + r] = row[p];
                }
            } else if (alongK) {
                for (int r = 0; r < rows; r++) a.readLine(a.index(i0 + s * mr + r, p0), a.colStride(), kc, dst, base + r, mr);
            } else {
                for (int p = 0; p < kc; p++) a.readLine(a.index(i0 + s * mr, p0 + p), a.rowStride(), rows, dst, base + p * mr, 1);
            }
            for (int r = rows; r < mr; r++) {
                for (int p = 0; p < kc; p++) dst[base + p * mr + r] = 0f;
            }
        }
    }

    /** Packs strips [stripFrom, stripTo) of the panel rows [p0, p0+kc) x columns [j0, j0+nc) of b into dst from dstBase. */
    static void packB(Operand b, int p0, int kc, int j0, int nc, int stripFrom, int stripTo, float[] dst, int dstBase) {
        final int nr = MicroKernel.NR;
        boolean alongN = Math.abs(b.colStride()) <= Math.abs(b.rowStride());
        if (b.dtype() != DType.F32 && b.colStride() == 1) {
            packRowMajorHalfB(b, p0, kc, j0, nc, stripFrom, stripTo, dst, dstBase);
            return;
        }
        for (int t = stripFrom; t < stripTo; t++) {
            int base = dstBase + t * nr * kc;
            int cols = Math.min(nr, nc - t * nr);
            if (cols == nr && b.dtype() == DType.F32 && b.colStride() == 1) {
                copyRowMajorStrip(b.segment(), b.index(p0, j0 + t * nr), b.rowStride(), kc, dst, base);
            } else if (alongN) {
                for (int p = 0; p < kc; p++) b.readLine(b.index(p0 + p, j0 + t * nr), b.colStride(), cols, dst, base + p * nr, 1);
            } else {
                for (int j = 0; j < cols; j++) b.readLine(b.index(p0, j0 + t * nr + j), b.rowStride(), kc, dst, base + j, nr);
            }
            if (cols < nr) {
                for (int p = 0; p < kc; p++) Arrays.fill(dst, base + p * nr + cols, base + p * nr + nr, 0f);
            }
        }
    }

    /** Row-major 16-bit B: each k row of the strips' columns is converted in one unit-stride pass, then split into strips. */
    private static void packRowMajorHalfB(Operand b, int p0, int kc, int j0, int nc, int stripFrom, int stripTo, float[] dst, int dstBase) {
        final int nr = MicroKernel.NR;
        int width = Math.min(stripTo * nr, nc) - stripFrom * nr;
        float[] row = new float[width];
        for (int p = 0; p < kc; p++) {
            b.readLine(b.index(p0 + p, j0 + stripFrom * nr), 1, width, row, 0, 1);
            for (int t = stripFrom; t < stripTo; t++) {
                int from = (t - stripFrom) * nr, cols = Math.min(nr, width - from);
                int to = dstBase + t * nr * kc + p * nr;
                System.arraycopy(row, from, dst, to, cols);
                if (cols < nr) Arrays.fill(dst, to + cols, to + nr, 0f);
            }
        }
    }

    /**
     * Full 6-row A strip of an F32 operand on the heap, any strides: six read streams (adjacent
     * when A is transposed), one sequential write, plain array code (a per-element segment read,
     * or a bulk copy of six floats, cost more than the copy itself).
     */
    private static void copyFullStrip(float[] src, long start, long rowStride, long colStride, int kc, float[] dst, int base) {
        long r1 = start + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride, r4 = r3 + rowStride, r5 = r4 + rowStride;
        for (int p = 0; p < kc; p++) {
            long col = p * colStride;
            int to = base + p * 6;
            dst[to] = src[(int) (start + col)];
            dst[to + 1] = src[(int) (r1 + col)];
            dst[to + 2] = src[(int) (r2 + col)];
            dst[to + 3] = src[(int) (r3 + col)];
            dst[to + 4] = src[(int) (r4 + col)];
            dst[to + 5] = src[(int) (r5 + col)];
        }
    }

    /** Full B strip of a row-major F32 operand: two vector loads per k row. */
    private static void copyRowMajorStrip(MemorySegment src, long start, long rowStride, int kc, float[] dst, int base) {
        for (int p = 0; p < kc; p++) {
            long at = (start + p * rowStride) * 4;
            FloatVector.fromMemorySegment(MicroKernel.S, src, at, ORDER).intoArray(dst, base + p * 16);
            FloatVector.fromMemorySegment(MicroKernel.S, src, at + 32, ORDER).intoArray(dst, base + p * 16 + 8);
        }
    }
}
