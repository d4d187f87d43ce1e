package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Elementwise ops of the Cpu backend. The output is split into row pieces (see
 * {@link StridedLayout}) of at most {@link FloatRuns#CHUNK} elements, spread over
 * {@link CpuThreads}. F32/F16/BF16 compute in float through {@link FloatLanes}: a dense F32 run is
 * used in place, anything else (broadcast, half precision) is staged through a float buffer, and
 * operands strided along the row go through {@link TileStaging}. F64 computes in double, element
 * by element with {@link ScalarMath}.
 *
 * <p>Invariant: validation is {@link OpChecks}, shared with the Reference backend; casts produce
 * exactly the Reference bits (same single-rounding encode), the float ops agree with it to float
 * rounding.
 */
final class CpuElementwise {
    /** Elements per task below which a thread is not worth waking. */
    private static final int GRAIN = 1 << 15;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private CpuElementwise() {}

    /** Visits [from, to) of the output as pieces lying inside one row. */
    @FunctionalInterface
    private interface PieceBody { void run(long row, int column, int length, long flat); }

    private static void forEachPiece(StridedLayout layout, long numel, PieceBody body) {
        int rowLength = layout.rowLength();
        if (numel == 0) return;
        long pieces = (numel + FloatRuns.CHUNK - 1) / FloatRuns.CHUNK;
        // Work is split by flat element index; each task walks whole pieces within rows.
        CpuThreads.parallelFor(Math.toIntExact(pieces), Math.max(1, GRAIN / FloatRuns.CHUNK), (p0, p1) -> {
            long flat = (long) p0 * FloatRuns.CHUNK, end = Math.min(numel, (long) p1 * FloatRuns.CHUNK);
            while (flat < end) {
                long row = flat / rowLength;
                int column = (int) (flat % rowLength);
                int length = (int) Math.min(Math.min(rowLength - column, FloatRuns.CHUNK), end - flat);
                body.run(row, column, length, flat);
                flat += length;
            }
        });
    }

    public static Tensor unary(UnaryOp op, Tensor x) {
        OpChecks.requireFloat("unary " + op, x);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        StridedLayout layout = new StridedLayout(x.shape(), x);
        long stride = layout.innerStride(0);
        if (x.dtype() == DType.F64) {
            forEachPiece(layout, x.numel(), (row, column, length, flat) -> {
                long p = layout.rowStart(0, row) + column * stride;
                MemorySegment src = x.segment(), dst = out.segment();
                for (int j = 0; j < length; j++) {
                    dst.setAtIndex(DOUBLE, flat + j, ScalarMath.unary(op, src.getAtIndex(DOUBLE, p + j * stride)));
                }
            });
            return out;
        }
        if (TileStaging.applies(layout, 1)) {
            TileStaging.run(layout, new Tensor[] {x}, out, (elements, staged, result) ->
                    FloatLanes.unary(op, MemorySegment.ofArray(staged[0]), 0, MemorySegment.ofArray(result), 0, elements));
            return out;
        }
        boolean direct = x.dtype() == DType.F32 && stride == 1;
        forEachPiece(layout, x.numel(), (row, column, length, flat) -> {
            long p = layout.rowStart(0, row) + column * stride;
            if (direct) {
                FloatLanes.unary(op, x.segment(), p * Float.BYTES, out.segment(), flat * Float.BYTES, length);
            } else {
                float[] buf = new float[length];
                MemorySegment staged = MemorySegment.ofArray(buf);
                FloatRuns.read(x, p, stride, buf, 0, length);
                FloatLanes.unary(op, staged, 0, staged, 0, length);
                FloatRuns.write(buf, 0, out, flat, length);
            }
        });
        return out;
    }

    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = "binary " + op;
        OpChecks.requireSameFloat(name, a, b);
        Shape shape = OpChecks.broadcast(name, a, b);
        Tensor out = Tensor.zeros(a.dtype(), shape);
        StridedLayout layout = new StridedLayout(shape, a, b);
        long sa = layout.innerStride(0), sb = layout.innerStride(1);
        if (a.dtype() == DType.F64) {
            forEachPiece(layout, out.numel(), (row, column, length, flat) -> {
                long pa = layout.rowStart(0, row) + column * sa, pb = layout.rowStart(1, row) + column * sb;
                MemorySegment as = a.segment(), bs = b.segment(), dst = out.segment();
                for (int j = 0; j < length; j++) {
                    double v = ScalarMath.binary(op, as.getAtIndex(DOUBLE, pa + j * sa), bs.getAtIndex(DOUBLE, pb + j * sb));
                    dst.setAtIndex(DOUBLE, flat + j, v);
                }
            });
            return out;
        }
        if (TileStaging.applies(layout, 2)) {
            TileStaging.run(layout, new Tensor[] {a, b}, out, (elements, staged, result) -> FloatLanes.binary(op,
                    MemorySegment.ofArray(staged[0]), 0, MemorySegment.ofArray(staged[1]), 0, MemorySegment.ofArray(result), 0, elements));
            return out;
        }
        boolean f32 = a.dtype() == DType.F32;
        forEachPiece(layout, out.numel(), (row, column, length, flat) -> {
            long pa = layout.rowStart(0, row) + column * sa, pb = layout.rowStart(1, row) + column * sb;
            MemorySegment aSeg, bSeg;
            long aOff, bOff;
            if (f32 && sa == 1) { aSeg = a.segment(); aOff = pa * Float.BYTES; }
            else { aSeg = stage(a, pa, sa, length, 0); aOff = 0; }
            if (f32 && sb == 1) { bSeg = b.segment(); bOff = pb * Float.BYTES; }
            else { bSeg = stage(b, pb, sb, length, 1); bOff = 0; }
            if (f32) {
                FloatLanes.binary(op, aSeg, aOff, bSeg, bOff, out.segment(), flat * Float.BYTES, length);
            } else {
                float[] result = new float[length];
                FloatLanes.binary(op, aSeg, aOff, bSeg, bOff, MemorySegment.ofArray(result), 0, length);
                FloatRuns.write(result, 0, out, flat, length);
            }
        });
        return out;
    }

    /**
     * Per thread, the two staging buffers of a binary op's operands (slot 0: a, slot 1: b), kept
     * between calls: a piece can be a whole activation (megabytes), and a fresh array per call
     * (zeroed, often a humongous allocation) cost more than the op itself.
     */
    private static final ThreadLocal<float[][]> STAGING = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    /** The strided run of t as a dense float32 segment of {@code length} elements, in this thread's staging slot. */
    private static MemorySegment stage(Tensor t, long start, long stride, int length, int slot) {
        float[][] buffers = STAGING.get();
        float[] buffer = buffers[slot].length >= length ? buffers[slot] : new float[length];
        if (length <= MAX_KEPT_STAGING) buffers[slot] = buffer;
        FloatRuns.read(t, start, stride, buffer, 0, length);
        return MemorySegment.ofArray(buffer).asSlice(0, (long) length * Float.BYTES);
    }

    /** Staging buffers up to this many floats (16 MB) are kept per thread; larger ones are not held on to. */
    private static final int MAX_KEPT_STAGING = 1 << 22;

    /** Raw bits are copied, so every dtype works; a U8 condition is true when nonzero, like BOOL. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        if (condition.dtype() != DType.BOOL && condition.dtype() != DType.U8) {
            throw new IllegalArgumentException("where: condition " + OpChecks.describe(condition) + " must be BOOL or U8");
        }
        OpChecks.requireSameDtype("where", a, b);
        Shape ab = OpChecks.broadcast("where", a, b);
        Shape shape = OpChecks.broadcast("where", condition.shape(), ab, condition, a);
        Tensor out = Tensor.zeros(a.dtype(), shape);
        StridedLayout layout = new StridedLayout(shape, condition, a, b);
        long sc = layout.innerStride(0), sa = layout.innerStride(1), sb = layout.innerStride(2);
        MemorySegment cs = condition.segment();
        forEachPiece(layout, out.numel(), (row, column, length, flat) -> {
            long pc = layout.rowStart(0, row) + column * sc;
            long pa = layout.rowStart(1, row) + column * sa, pb = layout.rowStart(2, row) + column * sb;
            for (int j = 0; j < length; j++) {
                boolean take = cs.get(ValueLayout.JAVA_BYTE, pc + j * sc) != 0;
                out.setBitsAt(flat + j, take ? a.bitsAt(pa + j * sa) : b.bitsAt(pb + j * sb));
            }
        });
        return out;
    }

    /**
     * F16/BF16 ↔ F32 on dense data use the vectorised conversion loops of {@link FloatRuns}; every
     * other pair goes element by element through the same encode as the Reference backend.
     */
    public static Tensor cast(Tensor x, DType target) {
        OpChecks.requireCastable(x, target);
        Tensor out = Tensor.zeros(target, x.shape());
        StridedLayout layout = new StridedLayout(x.shape(), x);
        long stride = layout.innerStride(0);
        DType from = x.dtype();
        boolean halfWidening = (from == DType.F16 || from == DType.BF16) && target == DType.F32;
        boolean halfNarrowing = from == DType.F32 && (target == DType.F16 || target == DType.BF16);
        boolean integerSource = !from.isFloating();
        forEachPiece(layout, x.numel(), (row, column, length, flat) -> {
            long p = layout.rowStart(0, row) + column * stride;
            if (halfWidening || halfNarrowing || from == target && from == DType.F32) {
                float[] buf = new float[length];
                FloatRuns.read(x, p, stride, buf, 0, length);
                FloatRuns.write(buf, 0, out, flat, length);
                return;
            }
            for (int j = 0; j < length; j++) {
                long q = p + j * stride;
                long bits;
                if (integerSource) {
                    long v = integerValue(x, q);
                    bits = target.isFloating() ? ScalarMath.encode(target, (double) v) : ScalarMath.encodeInteger(target, v);
                } else {
                    bits = ScalarMath.encode(target, from.decode(x.bitsAt(q)));
                }
                out.setBitsAt(flat + j, bits);
            }
        });
        return out;
    }

    private static long integerValue(Tensor x, long physical) {
        long bits = x.bitsAt(physical);
        return switch (x.dtype()) {
            case I32 -> (int) bits;
            case I64 -> bits;
            default -> bits & 0xFF;
        };
    }
}
