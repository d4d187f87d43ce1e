package dev.tessel.kernels.device;

import dev.tessel.kernels.AdamWStep;
import dev.tessel.kernels.Unscaled;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The mixed-precision training ops on a device: the filtered unscale (unscale_filter.cu) and the
 * fused AdamW step with 16-bit moments (adamw.cu).
 *
 * <p>Invariant: same checks and results as the Cpu backend (Unscaled.check, AdamWStep.check);
 * 1-D kernels run {@link #BLOCK} threads per group, the one local size of every linear launch
 * (each new local size costs PoCL a rebuild).
 */
public final class DeviceTraining {
    public static final int BLOCK = 256;

    private DeviceTraining() {}

    public static Unscaled unscaleFilter(DeviceApi api, Tensor x, double scale) {
        Unscaled.check(x, scale);
        DType d = x.dtype();
        int n = DeviceOps.elementCount("unscaleFilter", x);
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer in = scope.upload(x), out = scope.allocate(x.numel() * d.byteSize()), count = scope.zeros(4);
            if (n > 0) {
                ProgramSource program = ProgramSource.of("unscale_filter.cu", "DTYPE", DeviceDType.code(d), "BLOCK", BLOCK);
                api.launch(api.kernel(program, "tessel_unscale_filter"), Launch.linear(n, BLOCK),
                        new KernelArgs().buffer(in).buffer(out).buffer(count).f32((float) (1.0 / scale)).f32(Unscaled.overflowLimit(d)).i32(n));
            }
            Tensor values = scope.download(out, d, x.shape().toArray());
            return new Unscaled(values, Integer.toUnsignedLong(scope.readInts(count, 1)[0]));
        }
    }

    /** The fused AdamW step for an F32 parameter (F32/F16/BF16 gradient, F32 or 16-bit moments), in place. */
    public static long adamwStep(DeviceApi api, Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep h) {
        AdamWStep.check(param, grad, expAvg, expAvgSq);
        if (param.dtype() != DType.F32) throw new IllegalArgumentException("device adamwStep: parameter " + param.dtype() + " must be F32");
        int n = DeviceOps.elementCount("adamwStep", param);
        if (n == 0) return 0;
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer p = scope.upload(param), g = scope.upload(grad), m = scope.upload(expAvg), v = scope.upload(expAvgSq);
            DeviceBuffer skipped = scope.zeros(4);
            ProgramSource program = ProgramSource.of("adamw.cu", "GRAD_DTYPE", DeviceDType.code(grad.dtype()),
                    "MEAN16", expAvg.dtype() == DType.MEAN_1_6_9 ? 1 : 0, "VAR16", expAvgSq.dtype() == DType.VAR_0_6_10 ? 1 : 0, "BLOCK", BLOCK);
            api.launch(api.kernel(program, "tessel_adamw"), Launch.linear(n, BLOCK), new KernelArgs()
                    .buffer(p).buffer(g).buffer(m).buffer(v).buffer(skipped)
                    .f32((float) h.decay()).f32((float) h.beta1()).f32((float) h.beta2())
                    .f32((float) (1 - h.beta1())).f32((float) (1 - h.beta2()))
                    .f32((float) h.bias2Sqrt()).f32((float) h.eps()).f32((float) -h.stepSize()).f32((float) h.varianceClip()).i32(n));
            scope.downloadInto(p, param);
            scope.downloadInto(m, expAvg);
            scope.downloadInto(v, expAvgSq);
            return Integer.toUnsignedLong(scope.readInts(skipped, 1)[0]);
        }
    }
}
