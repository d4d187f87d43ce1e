package dev.tessel.kernels.cpu;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Moves runs of F32/F16/BF16 elements between tensors and float staging arrays: strided reads
 * (any stride, 0 for broadcast) widened to float, and dense writes narrowed to the tensor's dtype
 * with round-to-nearest-even.
 *
 * <p>The F16 loops are plain loops over {@link Float#float16ToFloat} / {@link Float#floatToFloat16}
 * on short[] chunks: C2 intrinsifies and auto-vectorises them to vcvtph2ps / vcvtps2ph (DESIGN.md
 * section 2), which beats a Vector API bit-twiddling path by ~4.7x. Invariant: positions are
 * physical element indices of the tensor's storage; array indices start at {@code at}.
 */
final class FloatRuns {
    static final int CHUNK = 1024;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private FloatRuns() {}

    /** dst[at + j] = t[start + j·stride] as float, j in [0, n); t is F32, F16 or BF16. */
    static void read(Tensor t, long start, long stride, float[] dst, int at, int n) {
        MemorySegment s = t.segment();
        switch (t.dtype()) {
            case F32 -> {
                if (stride == 1) MemorySegment.copy(s, FLOAT, start * Float.BYTES, dst, at, n);
                else if (stride == 0) java.util.Arrays.fill(dst, at, at + n, s.getAtIndex(FLOAT, start));
                else for (int j = 0; j < n; j++) dst[at + j] = s.getAtIndex(FLOAT, start + j * stride);
            }
            case F16, BF16 -> {
                short[] bits = new short[Math.min(n, CHUNK)];
                for (int done = 0; done < n; done += bits.length) {
                    int m = Math.min(bits.length, n - done);
                    long first = start + done * stride;
                    if (stride == 1) MemorySegment.copy(s, SHORT, first * Short.BYTES, bits, 0, m);
                    else for (int j = 0; j < m; j++) bits[j] = s.getAtIndex(SHORT, first + j * stride);
                    if (t.dtype() == DType.F16) halfToFloat(bits, dst, at + done, m);
                    else bf16ToFloat(bits, dst, at + done, m);
                }
            }
            default -> throw new IllegalArgumentException("FloatRuns.read: " + t.dtype() + " is not a float32-computed dtype");
        }
    }

    /** out[start + j] = src[at + j] rounded into out's dtype, j in [0, n); out is dense there. */
    static void write(float[] src, int at, Tensor out, long start, int n) {
        MemorySegment s = out.segment();
        switch (out.dtype()) {
            case F32 -> MemorySegment.copy(src, at, s, FLOAT, start * Float.BYTES, n);
            case F16, BF16 -> {
                short[] bits = new short[Math.min(n, CHUNK)];
                for (int done = 0; done < n; done += bits.length) {
                    int m = Math.min(bits.length, n - done);
                    if (out.dtype() == DType.F16) floatToHalf(src, at + done, bits, m);
                    else floatToBf16(src, at + done, bits, m);
                    MemorySegment.copy(bits, 0, s, SHORT, (start + done) * Short.BYTES, m);
                }
            }
            default -> throw new IllegalArgumentException("FloatRuns.write: " + out.dtype() + " is not a float32-computed dtype");
        }
    }

    static void halfToFloat(short[] src, float[] dst, int at, int n) {
        for (int j = 0; j < n; j++) dst[at + j] = Float.float16ToFloat(src[j]);
    }

    static void floatToHalf(float[] src, int at, short[] dst, int n) {
        for (int j = 0; j < n; j++) dst[j] = Float.floatToFloat16(src[at + j]);
    }

    static void bf16ToFloat(short[] src, float[] dst, int at, int n) {
        for (int j = 0; j < n; j++) dst[at + j] = Float.intBitsToFloat(src[j] << 16);
    }

    static void floatToBf16(float[] src, int at, short[] dst, int n) {
        for (int j = 0; j < n; j++) dst[j] = DType.floatToBf16(src[at + j]);
    }
}
