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
 * outside the image. A call may fill only a slab of rows [q0, q1), stored from row 0 of the
 * buffer. Rows are written whole (padding zeros included): the buffer needs no clearing.
 */
public final class Im2col {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Im2col() {}

    private static void zero(MemorySegment col, long at, int count) {
        for (int t = 0; t < count; t++) col.setAtIndex(F, at + t, 0f);
    }

    /**
     * Fills rows [q0, q1) of col for output pixels [p0, p1) of the image at element offset xOff of
     * x, laid out [C,H,W] contiguously; row q0 lands at element colOff, each row colRowStride apart.
     */
    public static void fill(MemorySegment x, long xOff, int h, int w, int k, int q0, int q1,
                            int p0, int p1, MemorySegment col, long colOff, long colRowStride) {
        int pad = (k - 1) / 2;
        long plane = (long) h * w;
        for (int q = q0; q < q1; q++) {
            int c = q / (k * k), u = q / k % k, v = q % k;
            long xc = xOff + c * plane;
            long dst = colOff + (long) (q - q0) * colRowStride;
            int p = p0;
            while (p < p1) {
                // one run of pixels on output row i: columns [j0, j1)
                int i = p / w, j0 = p - i * w, j1 = Math.min(w, j0 + (p1 - p));
                int r = i + u - pad;
                if (r < 0 || r >= h) {
                    zero(col, dst, j1 - j0);
                } else {
                    // source column s = j + v - pad is inside [0, w) for j in [lo, hi)
                    int lo = Math.min(j1, Math.max(j0, pad - v)), hi = Math.max(lo, Math.min(j1, w + pad - v));
                    zero(col, dst, lo - j0);
                    MemorySegment.copy(x, (xc + (long) r * w + v - pad + lo) * Float.BYTES, col, (dst + lo - j0) * Float.BYTES,
                            (long) (hi - lo) * Float.BYTES);
                    zero(col, dst + hi - j0, j1 - hi);
                }
                dst += j1 - j0;
                p += j1 - j0;
            }
        }
    }
}
