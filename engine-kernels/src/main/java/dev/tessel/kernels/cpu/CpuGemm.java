package dev.tessel.kernels.cpu;

import dev.tessel.kernels.cpu.gemm.DgemmLoop;
import dev.tessel.kernels.cpu.gemm.Operand;
import dev.tessel.kernels.cpu.gemm.PackedMatrix;
import dev.tessel.kernels.cpu.gemm.SgemmDriver;
import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.MatmulShape;
import dev.tessel.kernels.PreparedWeight;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Gemm ops of the Cpu backend: batched matmul over strided views, and {@link #sgemm}, the float32
 * entry point other Cpu kernels (im2col convolution) call directly.
 *
 * <p>Invariant: no input is ever copied or made contiguous here — transposes, slices and broadcast
 * batch axes become strides, which the packing in {@link SgemmDriver} reads directly (converting
 * F16/BF16 to float as it packs). The output is always a fresh zeroed tensor, so the driver only
 * ever accumulates into C.
 */
public final class CpuGemm {
    /** Batch items smaller than this many multiply-adds are spread over threads one item each. */
    private static final long SMALL_ITEM = 1L << 21;
    private static final VectorSpecies<Float> ROW_LANES = FloatVector.SPECIES_256;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private static volatile int threadLimit = Integer.MAX_VALUE;

    private CpuGemm() {}

    /**
     * Caps the workers any later CpuGemm call uses (benchmarks compare at a fixed thread count);
     * values above {@link CpuThreads#threads()} mean "all of the pool".
     */
    public static void limitThreads(int maxThreads) {
        if (maxThreads < 1) throw new IllegalArgumentException("CpuGemm.limitThreads: " + maxThreads + " < 1");
        threadLimit = maxThreads;
    }

    /** The number of workers CpuGemm uses now. */
    public static int threads() { return Math.min(threadLimit, CpuThreads.threads()); }

    public static Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        MatmulShape geometry = MatmulShape.of(a, b, transposeA, transposeB);
        int m = geometry.m(), k = geometry.k(), n = geometry.n();
        Shape batch = geometry.batch();
        int[] outDims = geometry.outDims();
        boolean f64 = a.dtype() == DType.F64;
        Tensor out = Tensor.zeros(f64 ? DType.F64 : DType.F32, outDims);

        // (i, p) of a at aBase + i*aRow + p*aCol; (p, j) of b at bBase + p*bRow + j*bCol.
        long aRow = transposeA ? a.stride(-1) : a.stride(-2), aCol = transposeA ? a.stride(-2) : a.stride(-1);
        long bRow = transposeB ? b.stride(-1) : b.stride(-2), bCol = transposeB ? b.stride(-2) : b.stride(-1);
        int batches = (int) batch.numel();
        int limit = threads();
        boolean itemPerThread = batches > 1 && (long) m * n * k < SMALL_ITEM;
        int innerThreads = itemPerThread ? 1 : limit;
        CpuThreads.RangeBody items = (from, to) -> {
            for (int t = from; t < to; t++) {
                long aBase = batchOffset(a, batch, t), bBase = batchOffset(b, batch, t), cBase = (long) t * m * n;
                if (f64) {
                    DgemmLoop.multiply(m, n, k, a.segment(), aBase, aRow, aCol, b.segment(), bBase, bRow, bCol, out.segment(), cBase, innerThreads);
                } else {
                    SgemmDriver.multiplyAdd(m, n, k, new Operand(a.segment(), a.dtype(), aBase, aRow, aCol),
                            new Operand(b.segment(), b.dtype(), bBase, bRow, bCol), out.segment(), cBase, n, innerThreads);
                }
            }
        };
        if (itemPerThread) CpuThreads.parallelFor(batches, 1, limit, items);
        else items.run(0, batches);
        return out;
    }

    /**
     * A weight [N, K] packed once as the B operand (K x N, its transpose) of x·weightᵀ; F64 or
     * other-rank weights stay as they are (matmulPrepared then runs the plain matmul).
     */
    static PreparedWeight prepareWeight(Tensor weight) {
        if (weight.rank() != 2 || weight.dtype() == DType.F64 || !isFloat(weight.dtype())) return PreparedWeight.unprepared(weight);
        int n = weight.dim(0), k = weight.dim(1);
        // B (p, j) = weight[j, p]: the transposed view as strides, as matmul(.., transposeB) reads it
        Operand b = new Operand(weight.segment(), weight.dtype(), weight.offset(), weight.stride(1), weight.stride(0));
        return new PackedWeight(weight, PackedMatrix.pack(b, k, n));
    }

    /**
     * rows [M, K] · weightᵀ + bias -> F32 [M, N], bit-identical to matmul(rows, weight, false, true)
     * then an F32 bias add: the bias is added to each finished float product in place, sparing the
     * add's new tensor (allocating fresh activations was a fifth of a batch-16 sampling step).
     */
    static Tensor matmulPrepared(Tensor rows, PreparedWeight weight, Tensor bias) {
        Tensor product;
        if (weight instanceof PackedWeight packed && rows.rank() == 2 && rows.dtype() == packed.weight().dtype()) {
            int m = rows.dim(0), k = packed.matrix.rows(), n = packed.matrix.columns();
            if (rows.dim(1) != k) {
                throw new IllegalArgumentException("matmulPrepared: rows " + rows.shape() + " do not match a weight of " + k + " input features");
            }
            product = Tensor.zeros(DType.F32, m, n);
            SgemmDriver.multiplyAdd(m, new Operand(rows.segment(), rows.dtype(), rows.offset(), rows.stride(0), rows.stride(1)), packed.matrix,
                    product.segment(), 0, n, threads());
        } else {
            product = matmul(rows, weight.weight(), false, true);
        }
        if (bias == null) return product;
        boolean inPlace = product.dtype() == DType.F32 && product.rank() == 2 && bias.dtype() == DType.F32 && bias.rank() == 1
                && bias.dim(0) == product.dim(1);
        if (inPlace) {
            addToEveryRow(product.segment(), product.dim(0), product.dim(1), bias.toFloatArray());
            return product;
        }
        try (product) {
            return CpuElementwise.binary(BinaryOp.ADD, product, bias);
        }
    }

    /** c [m, n] (contiguous F32, offset 0) += b [n] in each row: one float add per element, as binary ADD does. */
    private static void addToEveryRow(MemorySegment c, int m, int n, float[] b) {
        CpuThreads.parallelFor(m, Math.max(1, (1 << 15) / Math.max(1, n)), threads(), (from, to) -> addToRows(c, from, to, n, b));
    }

    /**
     * Rows [from, to) of addToEveryRow. The species and byte order are constants here, not values
     * captured by the lambda: a vector op whose species is a field load is not intrinsified, and
     * every vector is then boxed (measured: gigabytes of garbage per second in a training step).
     */
    private static void addToRows(MemorySegment c, int from, int to, int n, float[] b) {
        int bound = ROW_LANES.loopBound(n);
        for (int i = from; i < to; i++) {
            long row = (long) i * n;
            int j = 0;
            for (; j < bound; j += ROW_LANES.length()) {
                long at = (row + j) * 4;
                FloatVector.fromMemorySegment(ROW_LANES, c, at, ORDER).add(FloatVector.fromArray(ROW_LANES, b, j)).intoMemorySegment(c, at, ORDER);
            }
            for (; j < n; j++) c.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, row + j, c.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, row + j) + b[j]);
        }
    }

    private static boolean isFloat(DType t) { return t == DType.F32 || t == DType.F16 || t == DType.BF16; }

    /** The Cpu backend's prepared weight: the weight and its packed transpose. */
    private record PackedWeight(Tensor weight, PackedMatrix matrix) implements PreparedWeight {}

    /**
     * C = A·B (+ C if accumulate) in float32; offsets and strides count elements, not bytes. A (i,p)
     * is at aOffset + i*aRowStride + p*aColStride, B (p,j) at bOffset + p*bRowStride + j*bColStride,
     * C (i,j) at cOffset + i*cRowStride + j. Any strides work (transposed views cost nothing extra).
     */
    public static void sgemm(int m, int n, int k, MemorySegment a, long aOffset, long aRowStride, long aColStride,
                             MemorySegment b, long bOffset, long bRowStride, long bColStride,
                             MemorySegment c, long cOffset, long cRowStride, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        checkSpan("A", m, k, a, aOffset, aRowStride, aColStride);
        checkSpan("B", k, n, b, bOffset, bRowStride, bColStride);
        checkSpan("C", m, n, c, cOffset, cRowStride, 1);
        if (!accumulate) {
            for (int i = 0; i < m; i++) c.asSlice((cOffset + i * cRowStride) * 4, n * 4L).fill((byte) 0);
        }
        SgemmDriver.multiplyAdd(m, n, k, Operand.f32(a, aOffset, aRowStride, aColStride), Operand.f32(b, bOffset, bRowStride, bColStride),
                c, cOffset, cRowStride, threads());
    }

    /** Fails fast (rather than deep inside a packing loop) when a strided float matrix leaves its segment. */
    private static void checkSpan(String name, int rows, int cols, MemorySegment segment, long offset, long rowStride, long colStride) {
        if (rows == 0 || cols == 0) return;
        long low = offset + Math.min(0, (rows - 1) * rowStride) + Math.min(0, (cols - 1) * colStride);
        long high = offset + Math.max(0, (rows - 1) * rowStride) + Math.max(0, (cols - 1) * colStride);
        if (low < 0 || (high + 1) * 4 > segment.byteSize()) {
            throw new IllegalArgumentException("sgemm: " + name + " (" + rows + " x " + cols + ", offset " + offset + ", strides "
                    + rowStride + ", " + colStride + ") reaches elements [" + low + ", " + high + "] outside its segment of "
                    + segment.byteSize() / 4 + " floats");
        }
    }

    /** Storage index of element [.., 0, 0] of x at flat position {@code flat} of the broadcast batch shape. */
    private static long batchOffset(Tensor x, Shape batch, long flat) {
        long offset = x.offset();
        int own = x.rank() - 2, lead = batch.rank() - own;
        for (int d = batch.rank() - 1; d >= 0; d--) {
            int size = batch.dim(d);
            int index = (int) (flat % size);
            flat /= size;
            if (d >= lead && x.dim(d - lead) != 1) offset += index * x.stride(d - lead);
        }
        return offset;
    }
}
