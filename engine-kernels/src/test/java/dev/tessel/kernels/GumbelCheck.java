package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * Gumbel-softmax checks of a backend against the Reference backend, shared by the Cpu test
 * (GumbelPhiloxTest) and the OpenCL test: the Philox-noise sample (soft and straight-through),
 * the given-noise forward and the backward, for F32, F16, BF16, contiguous and permuted inputs,
 * odd sizes, softmax over a middle and the last axis.
 */
final class GumbelCheck {
    static final int[] SHAPE = {2, 7, 3, 5};
    static final double TAU = 0.5;

    private GumbelCheck() {}

    /**
     * Tolerance for a float sample against the double oracle: the scores z = (l - ln(-ln u))/tau
     * carry a few float ulps of error relative to |z| (log is within 3 ulp in OpenCL, exp too), and
     * softmax turns an absolute error in z into the same relative error in y. |z| <= (3 + 16.6)/tau
     * here (u >= 2^-24 bounds the noise by 16.6), so 8 ulps of 40 relative; 16-bit outputs add one
     * rounding of their own.
     */
    static double sampleRtol(DType d) {
        double z = (3 + 16.6) / TAU;
        return Math.max(8 * 0x1p-23 * z, d == DType.F32 ? 0 : 2 * KernelTestSupport.eps(d));
    }

    static void checkPhiloxSample(Backend backend, List<DType> dtypes) {
        Backend ref = Backends.reference();
        Random rnd = new Random(21);
        long seed = 0x1234_5678_9ABC_DEF0L, offset = 0xFFFF_FFFEL;   // the counter carries into its high word
        for (DType dtype : dtypes) {
            for (boolean strided : new boolean[] {false, true}) {
                for (int axis : new int[] {1, -1}) {
                    String what = backend.name() + " gumbelSoftmaxPhilox " + dtype + (strided ? " strided" : "") + " axis " + axis;
                    Tensor logits = DalleOpsTestTensors.uniform(rnd, dtype, -3, 3, strided, SHAPE);
                    GumbelSample want = ref.gumbelSoftmaxPhilox(logits, seed, offset, TAU, axis, true);
                    GumbelSample got = backend.gumbelSoftmaxPhilox(logits, seed, offset, TAU, axis, true);
                    DalleOpsTestTensors.assertClose(want.soft(), got.soft(), 0, sampleRtol(dtype), what + " soft");
                    KernelTestSupport.assertBitsEqual(want.hard(), got.hard(), what + " hard");
                    assertEquals(null, backend.gumbelSoftmaxPhilox(logits, seed, offset, TAU, axis, false).hard(), what + ": no hard unless asked");
                }
            }
        }
    }

    static void checkGivenNoiseAndBackward(Backend backend, List<DType> dtypes) {
        Backend ref = Backends.reference();
        Random rnd = new Random(22);
        for (DType dtype : dtypes) {
            for (boolean strided : new boolean[] {false, true}) {
                String what = backend.name() + " gumbelSoftmax " + dtype + (strided ? " strided" : "");
                Tensor logits = DalleOpsTestTensors.uniform(rnd, dtype, -3, 3, strided, SHAPE);
                Tensor u = DalleOpsTestTensors.uniform(rnd, dtype, 0.01, 0.99, strided, SHAPE);
                Tensor gradY = DalleOpsTestTensors.uniform(rnd, dtype, -1, 1, strided, SHAPE);
                Tensor y = ref.gumbelSoftmax(logits, u, TAU, 1);
                DalleOpsTestTensors.assertClose(y, backend.gumbelSoftmax(logits, u, TAU, 1), 0, sampleRtol(dtype), what + " forward");
                DalleOpsTestTensors.assertClose(ref.gumbelSoftmaxBackward(y, gradY, TAU, 1), backend.gumbelSoftmaxBackward(y, gradY, TAU, 1),
                        dtype, what + " backward");
            }
        }
    }

    /** The host definition of the Philox sample: Reference gumbelSoftmax of the float uniforms Philox.fillUniform draws. */
    static Tensor hostSample(Tensor logitsF32, long seed, long offset, int axis) {
        Tensor u = Tensor.zeros(DType.F32, logitsF32.shape());
        Philox.fillUniform(u, seed, offset);
        return Backends.reference().gumbelSoftmax(logitsF32, u, TAU, axis);
    }
}
