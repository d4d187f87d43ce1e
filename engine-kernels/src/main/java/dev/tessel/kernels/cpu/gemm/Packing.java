package dev.tessel.kernels.cpu.gemm;

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
    private Packing() {}

    /** Packs rows [i0, i0+mc) x columns [p0, p0+kc) of a into dst. */
    static void packA(Operand a, int i0, int mc, int p0, int kc, float[] dst) {
        final int mr = MicroKernel.MR;
        boolean alongK = Math.abs(a.colStride()) <= Math.abs(a.rowStride());
        for (int s = 0; s * mr < mc; s++) {
            int base = s * mr * kc;
            int rows = Math.min(mr, mc - s * mr);
            if (alongK) {
                for (int r = 0; r < rows; r++) a.readLine(a.index(i0 + s * mr + r, p0), a.colStride(), kc, dst, base + r, mr);
            } else {
                for (int p = 0; p < kc; p++) a.readLine(a.index(i0 + s * mr, p0 + p), a.rowStride(), rows, dst, base + p * mr, 1);
            }
            for (int r = rows; r < mr; r++) {
                for (int p = 0; p < kc; p++) dst[base + p * mr + r] = 0f;
            }
        }
    }

    /** Packs strips [stripFrom, stripTo) of the panel rows [p0, p0+kc) x columns [j0, j0+nc) of b into dst. */
    static void packB(Operand b, int p0, int kc, int j0, int nc, int stripFrom, int stripTo, float[] dst) {
        final int nr = MicroKernel.NR;
        boolean alongN = Math.abs(b.colStride()) <= Math.abs(b.rowStride());
        for (int t = stripFrom; t < stripTo; t++) {
            int base = t * nr * kc;
            int cols = Math.min(nr, nc - t * nr);
            if (alongN) {
                for (int p = 0; p < kc; p++) b.readLine(b.index(p0 + p, j0 + t * nr), b.colStride(), cols, dst, base + p * nr, 1);
            } else {
                for (int j = 0; j < cols; j++) b.readLine(b.index(p0, j0 + t * nr + j), b.rowStride(), kc, dst, base + j, nr);
            }
            if (cols < nr) {
                for (int p = 0; p < kc; p++) Arrays.fill(dst, base + p * nr + cols, base + p * nr + nr, 0f);
            }
        }
    }
}
