package dev.tessel.kernels.device;

import dev.tessel.kernels.IndexChecks;
import dev.tessel.kernels.OpChecks;
import dev.tessel.kernels.ScalarMath;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The small training-step ops on a device (small_ops.cu): layerNorm, softmaxCrossEntropy, the
 * GELUs, embedding. Checks are the shared OpChecks / IndexChecks, so ids are validated on the
 * host before any launch (a kernel cannot throw).
 *
 * <p>Invariant: ids go up as I64 whatever their dtype; the cross-entropy kernel returns per-row
 * losses in float and the mean over rows is taken here in double, as the Reference does.
 */
public final class DeviceSmallOps {
    private static final String FILE = "small_ops.cu";
    private static final int BLOCK = DeviceTraining.BLOCK;

    private DeviceSmallOps() {}

    private static ProgramSource program(DType d) { return ProgramSource.of(FILE, "DTYPE", DeviceDType.code(d), "BLOCK", BLOCK); }

    /** The GELU variants small_ops.cu implements (kernel op codes 0, 1, 2), else -1. */
    public static int geluCode(UnaryOp op) {
        return switch (op) {
            case GELU_ERF -> 0;
            case GELU_TANH -> 1;
            case GELU_SIGMOID -> 2;
            default -> -1;
        };
    }

    public static Tensor gelu(DeviceApi api, UnaryOp op, Tensor x) {
        OpChecks.requireFloat("unary " + op, x);
        int code = geluCode(op), n = DeviceOps.elementCount("unary " + op, x);
        if (code < 0) throw new IllegalArgumentException("device gelu: " + op + " is not a GELU");
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer in = scope.upload(x), out = scope.allocate(x.numel() * x.dtype().byteSize());
            if (n > 0) {
                api.launch(api.kernel(program(x.dtype()), "tessel_gelu"), Launch.linear(n, BLOCK), new KernelArgs().buffer(in).buffer(out).i32(code).i32(n));
            }
            return scope.download(out, x.dtype(), x.shape().toArray());
        }
    }

    public static Tensor layerNorm(DeviceApi api, Tensor x, Tensor weight, Tensor bias, double eps) {
        OpChecks.checkLayerNorm(x, weight, bias);
        DeviceOps.elementCount("layerNorm", x);
        int c = x.dim(-1);
        long rows = c == 0 ? 0 : x.numel() / c;
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer in = scope.upload(x), out = scope.allocate(x.numel() * x.dtype().byteSize());
            DeviceBuffer w = weight == null ? scope.allocate(16) : scope.upload(weight), b = bias == null ? scope.allocate(16) : scope.upload(bias);
            if (rows > 0) {
                api.launch(api.kernel(program(x.dtype()), "tessel_layer_norm"), Launch.rows(rows, BLOCK), new KernelArgs()
                        .buffer(in).buffer(w).buffer(b).buffer(out).i32(weight == null ? 0 : 1).i32(bias == null ? 0 : 1).i32(c).f32((float) eps));
            }
            return scope.download(out, x.dtype(), x.shape().toArray());
        }
    }

    public static Tensor softmaxCrossEntropy(DeviceApi api, Tensor logits, Tensor targets) {
        IndexChecks.checkCrossEntropy(logits, targets);
        DeviceOps.elementCount("softmaxCrossEntropy", logits);
        int n = logits.dim(0), c = logits.dim(1);
        double total = 0;
        if (n > 0 && c > 0) {
            try (DeviceScope scope = new DeviceScope(api); Tensor ids = targets.to(DType.I64)) {
                DeviceBuffer in = scope.upload(logits), t = scope.upload(ids), loss = scope.allocate(4L * n);
                api.launch(api.kernel(program(logits.dtype()), "tessel_softmax_cross_entropy"), Launch.rows(n, BLOCK),
                        new KernelArgs().buffer(in).buffer(t).buffer(loss).i32(c));
                for (float l : scope.download(loss, DType.F32, n).toFloatArray()) total += l;
            }
        }
        Tensor out = Tensor.zeros(logits.dtype(), 1);
        out.setBitsAt(0, ScalarMath.encode(logits.dtype(), total / n));
        return out;
    }

    public static Tensor embedding(DeviceApi api, Tensor table, Tensor ids) {
        IndexChecks.checkEmbedding(table, ids);
        int d = table.dim(1), count = DeviceOps.elementCount("embedding", ids);
        Tensor out = Tensor.zeros(table.dtype(), IndexChecks.appendDim(ids.shape(), d));
        DeviceOps.elementCount("embedding", out);
        if (out.numel() == 0) return out;
        try (DeviceScope scope = new DeviceScope(api); Tensor ids64 = ids.to(DType.I64)) {
            DeviceBuffer t = scope.upload(table), i = scope.upload(ids64), o = scope.allocate(out.numel() * table.dtype().byteSize());
            api.launch(api.kernel(program(table.dtype()), "tessel_embedding"), Launch.linear(out.numel(), BLOCK),
                    new KernelArgs().buffer(t).buffer(i).buffer(o).i32(d).i32(count));
            scope.downloadInto(o, out);
        }
        return out;
    }
}
