package dev.tessel.kernels.device;

import dev.tessel.kernels.GumbelSample;
import dev.tessel.kernels.OpChecks;
import dev.tessel.kernels.reference.ReferenceGumbelSoftmax;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Gumbel-softmax on a device (gumbel_softmax.cu): forward with the noise from a buffer or drawn
 * in-kernel from the Philox stream (soft, or straight-through with the one-hot), backward, and
 * the raw stream itself (for the cross-backend identity test).
 *
 * <p>Invariant: the tensor is uploaded dense and seen as [outer, C, inner] around the softmax
 * axis; one thread per (outer, inner) row; results come back in the input dtype.
 */
public final class DeviceGumbel {
    private static final String FILE = "gumbel_softmax.cu";
    private static final int BLOCK = DeviceTraining.BLOCK;

    private DeviceGumbel() {}

    private static ProgramSource program(DType d) { return ProgramSource.of(FILE, "DTYPE", DeviceDType.code(d)); }

    /** [outer, C, inner] of x around axis a, each checked to fit an int. */
    private static int[] geometry(String op, Tensor x, int axis) {
        int a = OpChecks.axis(op, x, axis);
        DeviceOps.elementCount(op, x);
        return new int[] {OpChecks.outerSize(x.shape(), a), x.dim(a), OpChecks.innerSize(x.shape(), a)};
    }

    public static Tensor forward(DeviceApi api, Tensor logits, Tensor u, double tau, int axis) {
        ReferenceGumbelSoftmax.checkSameFloat("gumbelSoftmax", "logits", logits, "u", u);
        ReferenceGumbelSoftmax.checkTau(tau);
        return run(api, logits, u, 0, 0, tau, axis, false).soft();
    }

    public static GumbelSample philox(DeviceApi api, Tensor logits, long seed, long offset, double tau, int axis, boolean hard) {
        OpChecks.requireFloat("gumbelSoftmaxPhilox", logits);
        ReferenceGumbelSoftmax.checkTau(tau);
        return run(api, logits, null, seed, offset, tau, axis, hard);
    }

    private static GumbelSample run(DeviceApi api, Tensor logits, Tensor u, long seed, long offset, double tau, int axis, boolean hard) {
        DType d = logits.dtype();
        int[] g = geometry("gumbelSoftmax", logits, axis);
        long bytes = logits.numel() * d.byteSize();
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer x = scope.upload(logits), noise = u == null ? scope.allocate(16) : scope.upload(u);
            DeviceBuffer y = scope.allocate(bytes), hot = hard ? scope.allocate(bytes) : scope.allocate(16);
            int rows = g[0] * g[2];
            if (rows > 0 && g[1] > 0) {
                api.launch(api.kernel(program(d), "tessel_gumbel_softmax"), Launch.linear(rows, BLOCK), new KernelArgs()
                        .buffer(x).buffer(noise).buffer(y).buffer(hot).i64(seed).i64(offset).i32(u == null ? 1 : 0).i32(hard ? 1 : 0)
                        .f32((float) (1.0 / tau)).i32(g[0]).i32(g[1]).i32(g[2]));
            }
            int[] dims = logits.shape().toArray();
            return new GumbelSample(scope.download(y, d, dims), hard ? scope.download(hot, d, dims) : null);
        }
    }

    public static Tensor backward(DeviceApi api, Tensor y, Tensor gradY, double tau, int axis) {
        ReferenceGumbelSoftmax.checkSameFloat("gumbelSoftmaxBackward", "y", y, "gradY", gradY);
        ReferenceGumbelSoftmax.checkTau(tau);
        DType d = y.dtype();
        int[] g = geometry("gumbelSoftmaxBackward", y, axis);
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer yb = scope.upload(y), gb = scope.upload(gradY), out = scope.allocate(y.numel() * d.byteSize());
            int rows = g[0] * g[2];
            if (rows > 0 && g[1] > 0) {
                api.launch(api.kernel(program(d), "tessel_gumbel_softmax_backward"), Launch.linear(rows, BLOCK),
                        new KernelArgs().buffer(yb).buffer(gb).buffer(out).f32((float) (1.0 / tau)).i32(g[0]).i32(g[1]).i32(g[2]));
            }
            return scope.download(out, d, y.shape().toArray());
        }
    }

    /** Elements [0, n) of the (seed, offset) Philox stream as raw bits, drawn on the device. */
    public static int[] philoxBits(DeviceApi api, long seed, long offset, int n) {
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer out = scope.allocate(4L * n);
            api.launch(api.kernel(program(DType.F32), "tessel_philox_uniform_bits"), Launch.linear(n, BLOCK),
                    new KernelArgs().buffer(out).i64(seed).i64(offset).i32(n));
            return scope.readInts(out, n);
        }
    }

    /** Gumbel noise -ln(-ln u) of elements [0, n) of the stream, computed in float on the device. */
    public static float[] gumbelNoise(DeviceApi api, long seed, long offset, int n) {
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer out = scope.allocate(4L * n);
            api.launch(api.kernel(program(DType.F32), "tessel_gumbel_noise"), Launch.linear(n, BLOCK),
                    new KernelArgs().buffer(out).i64(seed).i64(offset).i32(n));
            return scope.download(out, DType.F32, n).toFloatArray();
        }
    }
}
