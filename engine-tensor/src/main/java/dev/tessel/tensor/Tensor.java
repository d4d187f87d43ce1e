package dev.tessel.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An n-dimensional array: a {@link Storage}, a {@link DType}, a {@link Shape}, strides and an
 * offset (both counted in elements, not bytes).
 *
 * <p>Invariants a reader must keep: a Tensor is immutable in its metadata; views (reshape of a
 * contiguous tensor, permute, transpose, slice, expand) share the Storage and copy nothing;
 * element {@code [i0..in]} lives at element {@code offset + sum(ik * strides[k])}. A stride of
 * 0 marks a broadcast (expanded) dimension, so writing through such a view writes one element
 * many times. "Flat index" always means the logical row-major position, whatever the strides.
 * Closing a tensor closes its Storage and therefore every view of it.
 */
public final class Tensor implements AutoCloseable {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final Storage storage;
    private final DType dtype;
    private final Shape shape;
    private final long[] strides;
    private final long offset;
    private final boolean contiguous;
    private final long numel;

    public Tensor(Storage storage, DType dtype, Shape shape, long[] strides, long offset) {
        if (strides.length != shape.rank()) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " do not match shape " + shape);
        }
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides.clone();
        this.offset = offset;
        this.numel = shape.numel();
        this.contiguous = computeContiguous();
        long first = firstElement();
        long last = lastElement();
        if (shape.numel() > 0 && (first < 0 || (last + 1) * dtype.byteSize() > storage.byteSize())) {
            throw new IllegalArgumentException("view " + shape + " strides " + Arrays.toString(strides) + " offset " + offset
                    + " reaches past its storage of " + storage.byteSize() + " bytes");
        }
    }

    // ---------------------------------------------------------------- factories

    public static Tensor zeros(DType dtype, int... dims) {
        Shape s = Shape.of(dims);
        return new Tensor(Storage.allocate(dtype, s.numel()), dtype, s, s.contiguousStrides(), 0);
    }

    public static Tensor zeros(DType dtype, Shape shape) { return zeros(dtype, shape.toArray()); }

    /**
     * Zeros of {@code like}'s dtype and shape, laid out as {@code like} is when its elements fill a
     * dense block in some axis order (a permuted contiguous tensor, such as a transposed matrix),
     * else row-major. A gradient buffer for a permuted view then reads back through the inverse
     * permutation as a contiguous tensor, so the reshape that follows needs no copy.
     */
    public static Tensor zerosLaidOutLike(Tensor like) {
        long[] dense = like.numel == 0 ? null : like.denseStrides();
        if (dense == null) return zeros(like.dtype, like.shape);
        return new Tensor(Storage.allocate(like.dtype, like.numel), like.dtype, like.shape, dense, 0);
    }

    /**
     * This tensor's strides when its elements fill a dense block (each axis of size > 1 steps over
     * exactly the block of the axes with smaller strides), with size-1 axes given a harmless
     * stride; null when there are gaps or overlaps.
     */
    private long[] denseStrides() {
        int r = rank();
        Integer[] order = new Integer[r];
        for (int i = 0; i < r; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Long.compare(strides[x], strides[y]));  // innermost first
        long[] dense = new long[r];
        long block = 1;
        for (int i : order) {
            int size = shape.dim(i);
            if (size == 1) continue;
            if (strides[i] != block) return null;
            dense[i] = block;
            block *= size;
        }
        for (int i = 0; i < r; i++) if (shape.dim(i) == 1) dense[i] = block;
        return dense;
    }

    public static Tensor full(DType dtype, double value, int... dims) {
        Tensor t = zeros(dtype, dims);
        long n = t.numel();
        for (long i = 0; i < n; i++) t.setDouble(i, value);
        return t;
    }

    /**
     * A float32 tensor over {@code data} itself, row-major, no copy: the caller hands the array
     * over and must not use it afterwards (for kernels that compute into a fresh float[]).
     */
    public static Tensor wrap(float[] data, int... dims) {
        Shape s = Shape.of(dims);
        if (data.length != s.numel()) {
            throw new IllegalArgumentException("wrap: " + data.length + " floats for shape " + s + " of " + s.numel() + " elements");
        }
        MemorySegment segment = MemorySegment.ofArray(data);
        return new Tensor(Storage.wrap(segment), DType.F32, s, s.contiguousStrides(), 0);
    }

    /** A float32 tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(float[] data, int... dims) {
        Tensor t = zeros(DType.F32, dims);
        checkLength(data.length, t);
        MemorySegment.copy(data, 0, t.storage.segment(), ValueLayout.JAVA_FLOAT, 0, data.length);
        return t;
    }

    /** A float64 tensor holding a copy of {@code data}. */
    public static Tensor of(double[] data, int... dims) {
        Tensor t = zeros(DType.F64, dims);
        checkLength(data.length, t);
        MemorySegment.copy(data, 0, t.storage.segment(), ValueLayout.JAVA_DOUBLE, 0, data.length);
        return t;
    }

    public static Tensor ofLongs(long[] data, int... dims) {
        Tensor t = zeros(DType.I64, dims);
        checkLength(data.length, t);
        MemorySegment.copy(data, 0, t.storage.segment(), ValueLayout.JAVA_LONG, 0, data.length);
        return t;
    }

    public static Tensor ofInts(int[] data, int... dims) {
        Tensor t = zeros(DType.I32, dims);
        checkLength(data.length, t);
        MemorySegment.copy(data, 0, t.storage.segment(), ValueLayout.JAVA_INT, 0, data.length);
        return t;
    }

    /** Any dtype, from doubles (rounded to nearest even for narrow floats). */
    public static Tensor fromDoubles(DType dtype, double[] data, int... dims) {
        Tensor t = zeros(dtype, dims);
        checkLength(data.length, t);
        for (int i = 0; i < data.length; i++) t.setDouble(i, data[i]);
        return t;
    }

    public static Tensor scalar(DType dtype, double value) { return full(dtype, value); }

    private static void checkLength(int length, Tensor t) {
        if (length != t.numel()) {
            t.close();
            throw new IllegalArgumentException("data has " + length + " elements but shape " + t.shape + " needs " + t.numel());
        }
    }

    // ---------------------------------------------------------------- metadata

    public DType dtype() { return dtype; }
    public Shape shape() { return shape; }
    public int rank() { return shape.rank(); }
    public int dim(int axis) { return shape.dim(axis); }
    public long numel() { return numel; }
    public long[] strides() { return strides.clone(); }
    public long stride(int axis) { return strides[shape.normalizeAxis(axis)]; }
    public long offset() { return offset; }
    public Storage storage() { return storage; }
    public MemorySegment segment() { return storage.segment(); }
    /** Byte offset of the first element (element [0,...,0]) in {@link #segment()}. */
    public long byteOffset() { return offset * dtype.byteSize(); }
    /** True when the elements are dense and in row-major order starting at {@link #offset()}. */
    public boolean isContiguous() { return contiguous; }

    private boolean computeContiguous() {
        long expected = 1;
        for (int i = shape.rank() - 1; i >= 0; i--) {
            int d = shape.dim(i);
            if (d != 1 && strides[i] != expected) return false;
            expected *= d;
        }
        return true;
    }

    /** Lowest and highest storage element the view reaches; a negative stride lowers the first. */
    private long firstElement() {
        long first = offset;
        for (int i = 0; i < strides.length; i++) {
            if (shape.dim(i) > 0 && strides[i] < 0) first += (long) (shape.dim(i) - 1) * strides[i];
        }
        return first;
    }

    private long lastElement() {
        long last = offset;
        for (int i = 0; i < strides.length; i++) {
            if (shape.dim(i) > 0 && strides[i] > 0) last += (long) (shape.dim(i) - 1) * strides[i];
        }
        return last;
    }

    // ---------------------------------------------------------------- element access

    /** Storage element index of the logical row-major position {@code flat}, in [0, numel). */
    public long physicalIndex(long flat) {
        if (flat < 0 || flat >= numel) {
            throw new IndexOutOfBoundsException("flat index " + flat + " out of range for shape " + shape);
        }
        if (contiguous) return offset + flat;
        long p = offset;
        for (int i = shape.rank() - 1; i >= 0; i--) {
            int d = shape.dim(i);
            p += (flat % d) * strides[i];
            flat /= d;
        }
        return p;
    }

    /** Storage element index of a multi-index. */
    public long physicalIndex(int... index) {
        if (index.length != rank()) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has rank " + index.length + ", tensor " + shape);
        }
        long p = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape.dim(i)) {
                throw new IllegalArgumentException("index " + Arrays.toString(index) + " out of bounds for shape " + shape);
            }
            p += index[i] * strides[i];
        }
        return p;
    }

    /** Raw element bits at a storage element index, zero-extended. */
    public long bitsAt(long physical) {
        MemorySegment s = storage.segment();
        long b = physical * dtype.byteSize();
        return switch (dtype.byteSize()) {
            case 1 -> s.get(ValueLayout.JAVA_BYTE, b) & 0xFFL;
            case 2 -> s.get(SHORT, b) & 0xFFFFL;
            case 4 -> s.get(INT, b) & 0xFFFFFFFFL;
            default -> s.get(LONG, b);
        };
    }

    public void setBitsAt(long physical, long bits) {
        MemorySegment s = storage.segment();
        long b = physical * dtype.byteSize();
        switch (dtype.byteSize()) {
            case 1 -> s.set(ValueLayout.JAVA_BYTE, b, (byte) bits);
            case 2 -> s.set(SHORT, b, (short) bits);
            case 4 -> s.set(INT, b, (int) bits);
            default -> s.set(LONG, b, bits);
        }
    }

    /** Element at logical row-major position {@code flat}, as a double. */
    public double getDouble(long flat) { return dtype.decode(bitsAt(physicalIndex(flat))); }

    public void setDouble(long flat, double v) { setBitsAt(physicalIndex(flat), dtype.encode(v)); }

    public double get(int... index) { return dtype.decode(bitsAt(physicalIndex(index))); }

    public void set(double v, int... index) { setBitsAt(physicalIndex(index), dtype.encode(v)); }

    /** Integer element (I32/I64/U8/BOOL) at a flat position, without a round trip through double. */
    public long getLong(long flat) {
        long bits = bitsAt(physicalIndex(flat));
        return switch (dtype) {
            case I32 -> (int) bits;
            case I64 -> bits;
            case U8, BOOL -> bits & 0xFF;
            default -> (long) dtype.decode(bits);
        };
    }

    public float[] toFloatArray() {
        checkArraySize();
        float[] out = new float[(int) numel()];
        if (dtype == DType.F32) {
            Tensor dense = contiguous ? this : copy();
            // Unaligned layout: a view on a mapped file may start at any byte.
            MemorySegment.copy(dense.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, dense.byteOffset(), out, 0, out.length);
        } else if (dtype == DType.F16) {
            // one bulk read (of a row-by-row copy when strided), then an array loop (vcvtph2ps):
            // getDouble per element cost ~20x more (a sixth of a mixed-precision transformer step)
            Tensor dense = contiguous ? this : copy();
            short[] bits = new short[out.length];
            MemorySegment.copy(dense.segment(), ValueLayout.JAVA_SHORT_UNALIGNED, dense.byteOffset(), bits, 0, bits.length);
            for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(bits[i]);
            if (dense != this) dense.close();
        } else {
            for (int i = 0; i < out.length; i++) out[i] = (float) getDouble(i);
        }
        return out;
    }

    public double[] toDoubleArray() {
        checkArraySize();
        double[] out = new double[(int) numel()];
        for (int i = 0; i < out.length; i++) out[i] = getDouble(i);
        return out;
    }

    public long[] toLongArray() {
        checkArraySize();
        long[] out = new long[(int) numel()];
        for (int i = 0; i < out.length; i++) out[i] = getLong(i);
        return out;
    }

    private void checkArraySize() {
        if (numel() > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor " + shape + " is too large for a Java array");
    }

    // ---------------------------------------------------------------- views

    /** Same elements, new shape; a view when contiguous, else a contiguous copy. One -1 is inferred. */
    public Tensor reshape(int... dims) {
        int[] d = dims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape " + Arrays.toString(dims) + ": only one -1 allowed");
                infer = i;
            } else if (d[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension in " + Arrays.toString(dims) + " for shape " + shape);
            } else {
                known *= d[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(dims) + " for shape " + shape);
            }
            d[infer] = (int) (numel() / known);
        }
        Shape s = Shape.of(d);
        if (s.numel() != numel()) {
            throw new IllegalArgumentException("reshape: shape " + shape + " (" + numel() + " elements) cannot become " + s);
        }
        Tensor src = contiguous ? this : contiguous();
        return new Tensor(src.storage, dtype, s, s.contiguousStrides(), src.offset);
    }

    /** Reorders the axes: output axis i is input axis {@code order[i]}. */
    public Tensor permute(int... order) {
        if (order.length != rank()) {
            throw new IllegalArgumentException("permute " + Arrays.toString(order) + " does not match rank of " + shape);
        }
        int[] dims = new int[order.length];
        long[] st = new long[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int a = shape.normalizeAxis(order[i]);
            if (seen[a]) throw new IllegalArgumentException("permute " + Arrays.toString(order) + " repeats axis " + a);
            seen[a] = true;
            dims[i] = shape.dim(a);
            st[i] = strides[a];
        }
        return new Tensor(storage, dtype, Shape.of(dims), st, offset);
    }

    public Tensor transpose(int axisA, int axisB) {
        int[] order = new int[rank()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        int a = shape.normalizeAxis(axisA), b = shape.normalizeAxis(axisB);
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** Elements {@code [start, end)} along {@code axis}. */
    public Tensor slice(int axis, int start, int end) {
        int a = shape.normalizeAxis(axis);
        if (start < 0 || end > shape.dim(a) || start > end) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") out of range for axis " + a + " of " + shape);
        }
        int[] dims = shape.toArray();
        dims[a] = end - start;
        return new Tensor(storage, dtype, Shape.of(dims), strides, offset + start * strides[a]);
    }

    /** Broadcast view to {@code dims} (NumPy rules; size-1 axes get stride 0, new leading axes too). */
    public Tensor expand(int... dims) {
        Shape target = Shape.of(dims);
        if (!Shape.broadcast("expand", shape, target).equals(target)) {
            throw new IllegalArgumentException("expand: shape " + shape + " cannot be expanded to " + target);
        }
        long[] st = new long[dims.length];
        int lead = dims.length - rank();
        for (int i = 0; i < dims.length; i++) {
            if (i < lead) st[i] = 0;
            else st[i] = shape.dim(i - lead) == dims[i] ? strides[i - lead] : 0;
        }
        return new Tensor(storage, dtype, target, st, offset);
    }

    public Tensor unsqueeze(int axis) {
        int a = axis < 0 ? axis + rank() + 1 : axis;
        if (a < 0 || a > rank()) throw new IllegalArgumentException("unsqueeze: axis " + axis + " out of range for " + shape);
        int[] dims = new int[rank() + 1];
        long[] st = new long[rank() + 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i == a) {
                dims[i] = 1;
                st[i] = j < rank() ? strides[j] * shape.dim(j) : 1;
            } else {
                dims[i] = shape.dim(j);
                st[i] = strides[j++];
            }
        }
        return new Tensor(storage, dtype, Shape.of(dims), st, offset);
    }

    public Tensor squeeze(int axis) {
        int a = shape.normalizeAxis(axis);
        if (shape.dim(a) != 1) throw new IllegalArgumentException("squeeze: axis " + a + " of " + shape + " is not 1");
        int[] dims = new int[rank() - 1];
        long[] st = new long[rank() - 1];
        for (int i = 0, j = 0; i < rank(); i++) {
            if (i == a) continue;
            dims[j] = shape.dim(i);
            st[j++] = strides[i];
        }
        return new Tensor(storage, dtype, Shape.of(dims), st, offset);
    }

    /** This tensor if already contiguous, else a dense row-major copy. */
    public Tensor contiguous() { return contiguous ? this : copy(); }

    /** A fresh contiguous copy with its own Storage. */
    public Tensor copy() {
        Tensor out = zeros(dtype, shape);
        out.copyFrom(this);
        return out;
    }

    /** Copies {@code src} (same shape and dtype) element by element into this tensor. */
    public void copyFrom(Tensor src) {
        if (!src.shape.equals(shape) || src.dtype != dtype) {
            throw new IllegalArgumentException("copyFrom: source " + src.dtype + src.shape + " does not match " + dtype + shape);
        }
        long n = numel();
        if (n == 0) return;
        if (contiguous && src.contiguous) {
            MemorySegment.copy(src.segment(), src.byteOffset(), segment(), byteOffset(), n * dtype.byteSize());
            return;
        }
        copyStrided(src);
    }

    /**
     * Row by row over the last axis, the outer axes stepped like an odometer (no division per
     * element); a row that is dense on both sides is one bulk copy.
     */
    private void copyStrided(Tensor src) {
        int rank = rank();
        if (rank == 0) {
            setBitsAt(offset, src.bitsAt(src.offset));
            return;
        }
        int inner = shape.dim(rank - 1), size = dtype.byteSize();
        long sInner = src.strides[rank - 1], dInner = strides[rank - 1];
        long rows = numel / inner;
        int[] index = new int[rank - 1];
        long sRow = src.offset, dRow = offset;
        MemorySegment srcSegment = src.segment(), dstSegment = segment();
        for (long r = 0; r < rows; r++) {
            if (sInner == 1 && dInner == 1) {
                MemorySegment.copy(srcSegment, sRow * size, dstSegment, dRow * size, (long) inner * size);
            } else {
                for (int j = 0; j < inner; j++) setBitsAt(dRow + j * dInner, src.bitsAt(sRow + j * sInner));
            }
            for (int axis = rank - 2; axis >= 0; axis--) {
                sRow += src.strides[axis];
                dRow += strides[axis];
                if (++index[axis] < shape.dim(axis)) break;
                index[axis] = 0;
                sRow -= src.strides[axis] * shape.dim(axis);
                dRow -= strides[axis] * shape.dim(axis);
            }
        }
    }

    /** A contiguous copy converted to {@code target} (round to nearest even for narrow floats). */
    public Tensor to(DType target) {
        if (target == dtype) return copy();
        if (dtype == DType.F32 && target == DType.F16 && contiguous && numel() <= Integer.MAX_VALUE) {
            // a float is exactly a double, so encode's round-to-odd step is the identity here and
            // Float.floatToFloat16 (round to nearest even) gives encode's bits, in an array loop
            float[] values = toFloatArray();
            short[] bits = new short[values.length];
            for (int i = 0; i < values.length; i++) bits[i] = Float.floatToFloat16(values[i]);
            Tensor out = zeros(target, shape);
            MemorySegment.copy(bits, 0, out.segment(), ValueLayout.JAVA_SHORT_UNALIGNED, out.byteOffset(), bits.length);
            return out;
        }
        Tensor out = zeros(target, shape);
        long n = numel();
        boolean integral = !dtype.isFloating() && !target.isFloating();
        for (long i = 0; i < n; i++) out.setBitsAt(i, integral ? target.encodeLong(getLong(i)) : target.encode(getDouble(i)));
        return out;
    }

    @Override
    public void close() { storage.close(); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(shape);
        long n = Math.min(numel(), 8);
        sb.append(" [");
        for (long i = 0; i < n; i++) sb.append(i > 0 ? ", " : "").append(getDouble(i));
        if (numel() > n) sb.append(", ...");
        return sb.append("])").toString();
    }
}
