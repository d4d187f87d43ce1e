package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessel.kernels.cuda.CudaBackend;
import dev.tessel.kernels.device.DeviceGemm;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Cuda backend (NVRTC-compiled shipped kernels, cuBLAS variant 0) against the Reference
 * backend. Skipped, with the probe's reason, where no GPU or libcuda is present — every machine
 * of this project; scripts/gpu-check.sh runs it on a GPU machine. The shared device layer these
 * tests go through is covered on PoCL by the OpenCl*Test classes.
 */
class CudaKernelTest {
    private static final Backend REF = Backends.reference();
    private static CudaBackend cuda;

    @BeforeAll
    static void open() {
        var probe = CudaBackend.probe();
        assumeTrue(probe.available(), () -> "no usable CUDA GPU: " + probe.reason());
        cuda = probe.backend();
    }

    @Test
    void everyGemmVariantMatchesReference() {
        int m = 67, k = 45, n = 83;
        for (int variant : new int[] {0, 2, 3}) {
            if (variant == 3 && !cuda.api().tensorCores()) continue;
            System.setProperty("tessel.gemm.variant", Integer.toString(variant));
            try {
                for (DType dtype : variant == 3 ? List.of(DType.F16) : List.of(DType.F16, DType.BF16, DType.F32)) {
                    for (boolean ta : new boolean[] {false, true}) {
                        for (boolean tb : new boolean[] {false, true}) {
                            Tensor a = KernelTestSupport.random(dtype, 1, -1, 1, 3, ta ? k : m, ta ? m : k);
                            Tensor b = KernelTestSupport.random(dtype, 2, -1, 1, 3, tb ? n : k, tb ? k : n);
                            // Inputs in [-1, 1): float accumulation errs by at most ~(k+1)·2^-24·k.
                            KernelTestSupport.assertClose(REF.matmul(a, b, ta, tb), DeviceGemm.matmul(cuda.api(), a, b, ta, tb, DType.F32),
                                    (k + 1) * 0x1p-24 * k, 0, "cuda gemm variant " + variant + " " + dtype + " " + ta + " " + tb);
                        }
                    }
                }
            } finally {
                System.clearProperty("tessel.gemm.variant");
            }
        }
    }

    @Test
    void castsAreBitIdentical() {
        Tensor x = KernelTestSupport.random(DType.F32, 7, -70000, 70000, 13, 17);
        for (DType to : List.of(DType.F16, DType.BF16)) KernelTestSupport.assertBitsEqual(REF.cast(x, to), cuda.cast(x, to), "cuda cast to " + to);
    }

    @Test
    void trainingOpsMatchReference() {
        TrainingOpsCheck.checkUnscaleFilter(cuda, KernelTestSupport.FLOATS);
        TrainingOpsCheck.checkAdamW(cuda, TrainingOpsCheck.ADAM_CASES);
        assertEquals("cuda", cuda.name());
    }
}
