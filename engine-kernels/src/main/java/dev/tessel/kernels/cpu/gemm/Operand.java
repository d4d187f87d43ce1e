package dev.tessel.kernels.cpu.gemm;

import dev.tessel.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * One GEMM input seen as a strided matrix: element (row, col) is the {@code dtype} value at element
 * index {@code offset + row*rowStride + col*colStride} of {@code segment}. A transposed or broadcast
 * view is just other strides, so no operand is ever copied before packing.
 *
 * <p>Invariant: dtype is F32, F16 or BF16 (the float path); strides may be 0 or negative.
 */
public record Operand(MemorySegment segment, DType dtype, long offset, long rowStride, long colStride) {
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * The float array behind a heap segment (its element {@code segment.address() / 4} is the
     * segment's first float), or null for an off-heap segment or one over another array type.
     */
    static float[] heapFloats(MemorySegment segment) {
        return segment.heapBase().orElse(null) instanceof float[] f ? f : null;
    }
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;

    public Operand {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("sgemm operand dtype " + dtype + " is not F32, F16 or BF16");
        }
    }

    public static Operand f32(MemorySegment segment, long offset, long rowStride, long colStride) {
        return new Operand(segment, DType.F32, offset, rowStride, colStride);
    }

    long index(int row, int col) { return offset + row * rowStride + col * colStride; }

    /**
     * The float[] behind an F32 operand on the heap (engine-tensor Storage keeps tensors up to 64 MB
     * in one), element {@code segment.address() / 4 + index(..)}; null for other dtypes or memory.
     */
    float[] heapFloats() {
        return dtype == DType.F32 && segment.heapBase().orElse(null) instanceof float[] array && segment.address() % 4 == 0 ? array : null;
    }

    /**
     * Reads {@code count} elements starting at element index {@code start}, {@code stride} apart,
     * converting to float into {@code dst[dstOff + q*dstStride]}. Each dtype gets its own plain loop
     * so C2 can vectorise the unit-stride conversions (F16 becomes vcvtph2ps).
     */
    void readLine(long start, long stride, int count, float[] dst, int dstOff, int dstStride) {
        MemorySegment s = segment;
        switch (dtype) {
            case F32 -> {
                if (stride == 1 && dstStride == 1) {
                    MemorySegment.copy(s, FLOAT, start * 4, dst, dstOff, count);
                } else if (stride > 0 && heapFloats() instanceof float[] array) {
                    // gather from the array itself (a per-element segment access, with its bounds,
                    // liveness and alignment checks, costs several times the copy)
                    long first = s.address() / 4 + start;
                    Objects.checkFromIndexSize(start, (long) (count - 1) * stride + 1, s.byteSize() / 4);
                    for (int q = 0; q < count; q++) dst[dstOff + q * dstStride] = array[(int) (first + q * stride)];
                } else if (stride == 1) {
                    // off-heap: a bulk copy, then a scatter in plain array code
                    float[] line = new float[count];
                    MemorySegment.copy(s, FLOAT, start * 4, line, 0, count);
                    for (int q = 0; q < count; q++) dst[dstOff + q * dstStride] = line[q];
                } else {
                    for (int q = 0; q < count; q++) dst[dstOff + q * dstStride] = s.getAtIndex(FLOAT, start + q * stride);
                }
            }
            case F16 -> {
                if (stride == 1 && dstStride == 1) {
                    short[] bits = halfBits(s, start, count);
                    for (int q = 0; q < count; q++) dst[dstOff + q] = Float.float16ToFloat(bits[q]);
                    return;
                }
                for (int q = 0; q < count; q++) dst[dstOff + q * dstStride] = Float.float16ToFloat(s.getAtIndex(HALF, start + q * stride));
            }
            default -> {
                if (stride == 1 && dstStride == 1) {
                    short[] bits = halfBits(s, start, count);
                    for (int q = 0; q < count; q++) dst[dstOff + q] = Float.intBitsToFloat(bits[q] << 16);
                    return;
                }
                for (int q = 0; q < count; q++) dst[dstOff + q * dstStride] = Float.intBitsToFloat(s.getAtIndex(HALF, start + q * stride) << 16);
            }
        }
    }

    /** A bulk copy of 16-bit elements into a short[]: the array loop after it is the shape C2 vectorises. */
    private static short[] halfBits(MemorySegment s, long start, int count) {
        short[] bits = new short[count];
        MemorySegment.copy(s, HALF, start * 2, bits, 0, count);
        return bits;
    }
}
