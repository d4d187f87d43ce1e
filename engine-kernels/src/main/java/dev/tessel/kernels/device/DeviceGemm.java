package dev.tessel.kernels.device;

import dev.tessel.kernels.MatmulShape;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

/**
 * Batched matmul on a device: operand staging and broadcast, variant choice and launch geometry
 * of cuda-src/kernels/gemm.cu.
 *
 * <p>Variants (numbers as in gemm.cu and the lab): 0 = the vendor library (cuBLAS, when the
 * DeviceApi offers a {@link VendorGemm}), 2 = the portable tiled kernel, 3 = the tensor-core kernel
 * (CUDA sm_80+, F16 inputs). The default is the hand-written kernel (3 where tensor cores and F16
 * inputs allow, else 2); {@code -Dtessel.gemm.variant=N} forces one (benchmarks force 0 for the
 * cuBLAS baseline).
 *
 * <p>Invariant: operands go up as dense [batch', rows, cols] copies in their storage layout, so a
 * transposed operand is never materialised transposed: its (row, column) strides are swapped
 * instead; an operand whose batch axes are all 1 is sent once with batch stride 0.
 */
public final class DeviceGemm {
    public static final int BM = 64, BN = 64, BK = 16, TM = 4, TN = 4;
    private static final String FILE = "gemm.cu";

    private DeviceGemm() {}

    /** The variant a call will use on {@code api} for inputs of {@code dtype}. */
    public static int variant(DeviceApi api, DType dtype) {
        int forced = Integer.getInteger("tessel.gemm.variant", -1);
        if (forced >= 0) return forced;
        return api.tensorCores() && dtype == DType.F16 ? 3 : 2;
    }

    /** C = op(A)·op(B) with float accumulation, C in {@code out} (F32, F16 or BF16); inputs F32, F16 or BF16 (the same). */
    public static Tensor matmul(DeviceApi api, Tensor a, Tensor b, boolean transposeA, boolean transposeB, DType out) {
        MatmulShape g = MatmulShape.of(a, b, transposeA, transposeB);
        DType in = a.dtype();
        if (!DeviceDType.supported(in) || !DeviceDType.supported(out)) {
            throw new IllegalArgumentException("device matmul: inputs " + in + " -> " + out + " not supported (F32, F16, BF16)");
        }
        int batches = Math.toIntExact(g.batch().numel());
        int m = g.m(), k = g.k(), n = g.n();
        if ((long) m * k >= Integer.MAX_VALUE || (long) k * n >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("device matmul: a matrix of " + m + "x" + k + " or " + k + "x" + n + " exceeds 2^31 elements");
        }
        if ((long) batches * m * n == 0 || k == 0) return Tensor.zeros(out, g.outDims());
        try (DeviceScope scope = new DeviceScope(api)) {
            Operand oa = Operand.of(scope, a, g.batch()), ob = Operand.of(scope, b, g.batch());
            int aRs = transposeA ? 1 : k, aCs = transposeA ? m : 1;   // (m, k) -> element offset
            int bRs = transposeB ? 1 : n, bCs = transposeB ? k : 1;   // (k, n) -> element offset
            DeviceBuffer c = scope.allocate((long) batches * m * n * out.byteSize());
            int variant = variant(api, in);
            if (variant == 0) {
                if (api.vendorGemm() == null) throw new IllegalStateException("GEMM variant 0 (vendor BLAS) is not available on " + api.description());
                api.vendorGemm().gemm(oa.buffer, ob.buffer, c, in, out, m, n, k, transposeA, transposeB, oa.batchStride(m * k), ob.batchStride(k * n), batches);
            } else {
                ProgramSource program = ProgramSource.of(FILE, "IN_DTYPE", DeviceDType.code(in), "OUT_DTYPE", DeviceDType.code(out),
                        "BM", BM, "BN", BN, "BK", BK, "TM", TM, "TN", TN);
                String entry = variant == 3 ? "tessel_gemm_mma" : "tessel_gemm";
                Launch launch = variant == 3
                        ? Launch.tiles(n, m, batches, 32, 16, 32, 1)
                        : Launch.tiles(n, m, batches, BN, BM, BN / TN, BM / TM);
                api.launch(api.kernel(program, entry), launch, new KernelArgs().buffer(oa.buffer).buffer(ob.buffer).buffer(c)
                        .i32(m).i32(n).i32(k).i32(aRs).i32(aCs).i64(oa.batchStride((long) m * k))
                        .i32(bRs).i32(bCs).i64(ob.batchStride((long) k * n)));
            }
            return scope.download(c, out, g.outDims());
        }
    }

    /** One staged operand: its buffer and whether it is shared by every batch item. */
    private record Operand(DeviceBuffer buffer, boolean broadcast) {
        static Operand of(DeviceScope scope, Tensor t, Shape batch) {
            int rank = t.rank();
            boolean single = true;
            for (int i = 0; i < rank - 2; i++) single &= t.dim(i) == 1;
            if (single) return new Operand(scope.upload(t), true);
            int[] dims = java.util.Arrays.copyOf(batch.toArray(), batch.rank() + 2);
            dims[batch.rank()] = t.dim(-2);
            dims[batch.rank() + 1] = t.dim(-1);
            return new Operand(scope.upload(t.expand(dims)), false);
        }

        long batchStride(long matrixElements) { return broadcast ? 0 : matrixElements; }
    }
}
