package dev.tessel.kernels.cpu.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * im2col for a stride-1, zero-"same"-padded, odd k x k convolution, float32, over a range of
 * output pixels: turns one image [C,H,W] into the GEMM operand col [C*k*k, pixels] so that
 * conv2d becomes weight [Cout, C*k*k] · col.
 *
 * <p>Invariant: col row q = (c*k + u)*k + v (the weight's own flattening of [C,k,k]); column t is
 * output pixel p0 + t in row-major (i, j) order, and col[q, t] = x[c, i+u-pad, j+v-pad] or 0
 * outside the image. Rows are written whole (padding zeros included): col needs no clearing.
 */
public final class Im2col {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Im2col() {}

    /**
     * Fills col (element offset colOff, row stride colRowStride) for output pixels [p0, p1) of the
     * image at element offset xOff of x, laid out [C,H,W] contiguously.
     */
    public static void fill(MemorySegment x, long xOff, int channels, int h, int w, int k,
                            int p0, int p1, MemorySegment col, long colOff, long colRowStride) {
        int pad = (k - 1) / 2;
        long plane = (long) h * w;
        for (int c = 0; c < channels; c++) {
            long xc = xOff + c * plane;
            for (int u = 0; u < k; u++) {
                for (int v = 0; v < k; v++) {
                    long dst = colOff + (long) ((c * k + u) * k + v) * colRowStride;
                    int p = p0;
                    while (p < p1) {
                        int i = p / w, j0 = p - i * w, j1 = Math.min(w, j0 + (p1 - p));
                        int r = i + u - pad;
                        if (r < 0 || r >= h) {
                            for (int j = j0; j < j1; j++) col.setAtIndex(F, dst + j - j0, 0f);
                        } else {
                            // source column s = j + v - pad is inside [0, w) for j in [lo, hi)
                            int lo = Math.max(j0, pad - v), hi = Math.min(j1, w + pad - v);
                            long src = xc + (long) r * w + v - pad;
                            for (int j = j0; j < Math.min(lo, j1); j++) col.setAtIndex(F, dst + j - j0, 0f);
                            for (int j = lo; j < hi; j++) col.setAtIndex(F, dst + j - j0, x.getAtIndex(F, src + j));
                            for (int j = Math.max(hi, j0); j < j1; j++) col.setAtIndex(F, dst + j - j0, 0f);
                        }
                        dst += j1 - j0;
                        p += j1 - j0;
                    }
                }
            }
        }
    }
}
