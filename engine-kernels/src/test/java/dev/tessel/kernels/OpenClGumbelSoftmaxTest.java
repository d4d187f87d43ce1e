package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessel.kernels.device.DeviceGumbel;
import dev.tessel.kernels.opencl.OpenClBackend;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gumbel_softmax.cu on PoCL: the in-kernel Philox stream is bit-identical to engine-tensor's
 * Philox (across a counter carry and a 64-bit seed), the gumbel noise agrees to float rounding,
 * and the sample (soft, straight-through), the given-noise forward and the backward match the
 * Reference backend.
 */
class OpenClGumbelSoftmaxTest {
    private static OpenClBackend cl;

    @BeforeAll
    static void open() { cl = OpenClTestSupport.backend(); }

    @Test
    void philoxBitsAreIdenticalToEngineTensor() {
        long[][] streams = {{0, 0}, {0x1234_5678_9ABC_DEF0L, 0xFFFF_FFFEL}, {-1L, Long.MAX_VALUE - 1}};
        for (long[] s : streams) {
            int n = 1031;
            int[] got = DeviceGumbel.philoxBits(cl.api(), s[0], s[1], n);
            for (int i = 0; i < n; i++) {
                assertEquals(Philox.bits(s[0], s[1], i), got[i], "seed " + s[0] + " offset " + s[1] + " element " + i);
            }
        }
    }

    @Test
    void gumbelNoiseAgreesToFloatRounding() {
        long seed = 77, offset = 3;
        int n = 4099;
        float[] got = DeviceGumbel.gumbelNoise(cl.api(), seed, offset, n);
        for (int i = 0; i < n; i++) {
            double want = -Math.log(-Math.log(Philox.uniform(seed, offset, i)));
            // Two float logs (each within 3 ulp in OpenCL C): the inner one's relative error becomes
            // an absolute error of the outer, the outer adds its own relative error.
            double tol = 4 * 0x1p-23 * (1 + Math.abs(want));
            assertEquals(want, got[i], tol, "gumbel noise " + i);
        }
    }

    @Test
    void philoxSampleMatchesReference() {
        GumbelCheck.checkPhiloxSample(cl, List.of(DType.F32, DType.F16, DType.BF16));
    }

    @Test
    void givenNoiseForwardAndBackwardMatchReference() {
        GumbelCheck.checkGivenNoiseAndBackward(cl, List.of(DType.F32, DType.F16, DType.BF16, DType.F64));
    }
}
