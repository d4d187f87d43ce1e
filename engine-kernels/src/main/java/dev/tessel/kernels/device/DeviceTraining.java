package dev.tessel.kernels.device;

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
}
