package dev.tessel.kernels.device;

import dev.tessel.kernels.OpChecks;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Small device ops that are one linear launch each (casts, ...) and the limits they share.
 *
 * <p>Invariant: kernels index with 32-bit ints, so every device op rejects tensors of 2^31 or
 * more elements with a message naming the op (the caller can fall back to the host backend).
 */
public final class DeviceOps {
    private DeviceOps() {}

    /** numel as an int, or an IllegalArgumentException naming the op. */
    static int elementCount(String op, Tensor t) {
        if (t.numel() >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + OpChecks.describe(t) + " has 2^31 or more elements; device kernels index with int");
        }
        return (int) t.numel();
    }

    /** Float-to-float cast among F32, F16 and BF16 (cast.cu); bit-identical to the Reference cast. */
    public static Tensor cast(DeviceApi api, Tensor x, DType target) {
        int n = elementCount("cast", x);
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer in = scope.upload(x), out = scope.allocate(x.numel() * target.byteSize());
            if (n > 0) {
                api.launch(api.kernel(ProgramSource.of("cast.cu"), "tessel_cast"), Launch.linear(n, DeviceTraining.BLOCK),
                        new KernelArgs().buffer(in).buffer(out).i32(DeviceDType.code(x.dtype())).i32(DeviceDType.code(target)).i32(n));
            }
            return scope.download(out, target, x.shape().toArray());
        }
    }
}
