package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.kernels.device.DeviceGemm;
import dev.tessel.kernels.opencl.OpenClBackend;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped .cu kernels built as OpenCL C by PoCL and run through JOCL, against the Reference
 * backend: casts, GEMM (every input dtype, f32 and f16 output, both transposes, batch broadcast,
 * odd sizes), the filtered unscale, the fused AdamW step with 16-bit moments, heap-backed host
 * tensors. Shapes are small: PoCL runs a GEMM at ~0.2 GFLOP/s.
 */
class OpenClKernelTest {
    private static final Backend REF = Backends.reference();
    private static OpenClBackend cl;

    @BeforeAll
    static void open() { cl = OpenClTestSupport.backend(); }

    @Test
    void describesItsDevice() {
        assertTrue(cl.api().description().startsWith("opencl ("), cl.api().description());
        assertEquals("opencl", cl.name());
        assertSame(cl, Backends.byName("opencl"), "-Dtessel.backend=opencl selects this backend");
    }

    @Test
    void castsBitIdenticalToReference() {
        List<DType> floats = List.of(DType.F32, DType.F16, DType.BF16);
        for (DType from : floats) {
            // Values spanning the F16 range edges: tiny (subnormal in F16), large (overflow in F16), ties.
            Tensor x = KernelTestSupport.random(from, 7, -70000, 70000, 13, 17);
            x.setDouble(0, 1 + 0x1p-11);
            x.setDouble(1, 3e-6);
            x.setDouble(2, Double.NaN);
            for (DType to : floats) {
                KernelTestSupport.assertBitsEqual(REF.cast(x, to), cl.cast(x, to), "cast " + from + "->" + to);
                Tensor view = KernelTestSupport.transposedView(from, 8, -5, 5, 9, 31);
                KernelTestSupport.assertBitsEqual(REF.cast(view, to), cl.cast(view, to), "cast of a transposed view " + from + "->" + to);
            }
        }
    }

    @Test
    void stagesHeapBackedTensorsThroughNativeMemory() {
        float[] data = new float[35];
        for (int i = 0; i < data.length; i++) data[i] = i * 0.37f - 5;
        Tensor heap = new Tensor(dev.tessel.tensor.Storage.wrap(java.lang.foreign.MemorySegment.ofArray(data)), DType.F32,
                dev.tessel.tensor.Shape.of(5, 7), new long[] {7, 1}, 0);
        KernelTestSupport.assertBitsEqual(REF.cast(heap, DType.F16), cl.cast(heap, DType.F16), "cast of a heap-backed tensor");
        float[] target = new float[35];
        Tensor heapOut = new Tensor(dev.tessel.tensor.Storage.wrap(java.lang.foreign.MemorySegment.ofArray(target)), DType.F32,
                dev.tessel.tensor.Shape.of(5, 7), new long[] {7, 1}, 0);
        try (var scope = new dev.tessel.kernels.device.DeviceScope(cl.api())) {
            scope.downloadInto(scope.upload(heap), heapOut);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(data, target, "round trip through the device into a heap-backed tensor");
    }

    @Test
    void gemmMatchesReferenceForEveryDtypeAndTranspose() {
        int m = 37, k = 29, n = 45;
        for (DType dtype : List.of(DType.F16, DType.BF16, DType.F32)) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    Tensor a = KernelTestSupport.random(dtype, 1, -1, 1, 2, ta ? k : m, ta ? m : k);
                    Tensor b = KernelTestSupport.random(dtype, 2, -1, 1, 2, tb ? n : k, tb ? k : n);
                    String what = "gemm " + dtype + (ta ? " A^T" : "") + (tb ? " B^T" : "");
                    Tensor want = REF.matmul(a, b, ta, tb);
                    double atol = gemmErrorBound(a, b, ta, tb, k);
                    KernelTestSupport.assertClose(want, cl.matmul(a, b, ta, tb), atol, 0, what);
                    if (dtype == DType.F16) {
                        // F16 output adds one rounding of the float result: half an F16 ulp, relative.
                        Tensor half = DeviceGemm.matmul(cl.api(), a, b, ta, tb, DType.F16);
                        KernelTestSupport.assertClose(REF.cast(want, DType.F16), half, atol, 0x1p-10, what + " -> F16");
                    }
                }
            }
        }
    }

    /**
     * Float accumulation of k products (inputs exact in float) errs by at most about
     * k·2^-24·(|A|·|B|)_ij (the standard gamma_k bound); the largest such bound over the output.
     */
    private static double gemmErrorBound(Tensor a, Tensor b, boolean ta, boolean tb, int k) {
        Tensor abs = REF.matmul(REF.unary(UnaryOp.ABS, a.to(DType.F64)), REF.unary(UnaryOp.ABS, b.to(DType.F64)), ta, tb);
        double max = 0;
        for (long i = 0; i < abs.numel(); i++) max = Math.max(max, abs.getDouble(i));
        return (k + 1) * 0x1p-24 * max;
    }

    @Test
    void gemmBroadcastsBatchesAndReadsViews() {
        // a: one matrix shared by 3 batch items; b: [3, K, N] given as a permuted view.
        Tensor a = KernelTestSupport.random(DType.F16, 3, -1, 1, 1, 19, 70);
        Tensor b = KernelTestSupport.random(DType.F16, 4, -1, 1, 70, 3, 67).permute(1, 0, 2);
        KernelTestSupport.assertClose(REF.matmul(a, b, false, false), cl.matmul(a, b, false, false),
                gemmErrorBound(a, b, false, false, 70), 0, "broadcast gemm");
        Tensor empty = Tensor.zeros(DType.F16, 4, 0);
        KernelTestSupport.assertClose(REF.matmul(empty, Tensor.zeros(DType.F16, 0, 5), false, false),
                cl.matmul(empty, Tensor.zeros(DType.F16, 0, 5), false, false), 0, 0, "K = 0 gives zeros");
    }

    @Test
    void unscaleFilterMatchesReference() {
        TrainingOpsCheck.checkUnscaleFilter(cl, KernelTestSupport.FLOATS);
    }

    @Test
    void adamWMatchesReference() {
        TrainingOpsCheck.checkAdamW(cl, TrainingOpsCheck.ADAM_CASES);
    }
}
