package dev.tessel.kernels.device;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The Backend both device backends (OpenCl, Cuda) are: it routes each SPI op either to a device
 * kernel (through the {@link DeviceApi} it was given) or to the host backend (Cpu), and is the
 * one place that says which ops run where.
 *
 * <p>On the device (F32, F16, BF16; F64 always goes to the host, it is gradcheck work):
 * cast between float dtypes, matmul, unscaleFilter, adamwStep (F32 parameters), gumbelSoftmax
 * (noise given or drawn in-kernel from Philox; soft and straight-through) and its backward,
 * layerNorm, softmaxCrossEntropy, the three GELUs (unary), embedding.
 * Everything else is delegated to the host backend: same results, host speed. Tensors live on
 * the host (Tensor storage is off-heap host memory), so each device op uploads its inputs and
 * downloads its result; the device pays off for compute-bound ops (GEMM), not for elementwise
 * ones, which is why those stay on the host.
 *
 * <p>Invariant: every op gives the Reference result within the dtype's rounding; validation is
 * the shared OpChecks / MatmulShape / AdamWStep code, run before any device work.
 */
public class DeviceBackend implements Backend {
    private final String name;
    protected final DeviceApi api;
    protected final Backend host;

    public DeviceBackend(String name, DeviceApi api, Backend host) {
        this.name = name;
        this.api = api;
        this.host = host;
    }

    public DeviceApi api() { return api; }

    public Backend host() { return host; }

    @Override public String name() { return name; }

    private static boolean device(Tensor... ts) {
        for (Tensor t : ts) if (t != null && !DeviceDType.supported(t.dtype())) return false;
        return true;
    }

    // ------------------------------------------------------------ on the device

    @Override public Tensor cast(Tensor x, DType target) {
        OpChecks.requireCastable(x, target);
        return device(x) && DeviceDType.supported(target) ? DeviceOps.cast(api, x, target) : host.cast(x, target);
    }

    @Override public Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        return device(a, b) ? DeviceGemm.matmul(api, a, b, transposeA, transposeB, DType.F32) : host.matmul(a, b, transposeA, transposeB);
    }

    @Override public Unscaled unscaleFilter(Tensor x, double scale) {
        return device(x) ? DeviceTraining.unscaleFilter(api, x, scale) : host.unscaleFilter(x, scale);
    }

    @Override public long adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep hyper) {
        return param.dtype() == DType.F32 && device(grad)
                ? DeviceTraining.adamwStep(api, param, grad, expAvg, expAvgSq, hyper)
                : host.adamwStep(param, grad, expAvg, expAvgSq, hyper);
    }

    @Override public Tensor gumbelSoftmax(Tensor logits, Tensor u, double tau, int axis) {
        return device(logits, u) ? DeviceGumbel.forward(api, logits, u, tau, axis) : host.gumbelSoftmax(logits, u, tau, axis);
    }

    @Override public GumbelSample gumbelSoftmaxPhilox(Tensor logits, long seed, long offset, double tau, int axis, boolean hard) {
        return device(logits) ? DeviceGumbel.philox(api, logits, seed, offset, tau, axis, hard) : host.gumbelSoftmaxPhilox(logits, seed, offset, tau, axis, hard);
    }

    @Override public Tensor gumbelSoftmaxBackward(Tensor y, Tensor gradY, double tau, int axis) {
        return device(y, gradY) ? DeviceGumbel.backward(api, y, gradY, tau, axis) : host.gumbelSoftmaxBackward(y, gradY, tau, axis);
    }

    @Override public Tensor unary(UnaryOp op, Tensor x) {
        return device(x) && DeviceSmallOps.geluCode(op) >= 0 ? DeviceSmallOps.gelu(api, op, x) : host.unary(op, x);
    }

    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return device(x) ? DeviceSmallOps.layerNorm(api, x, weight, bias, eps) : host.layerNorm(x, weight, bias, eps);
    }

    @Override public Tensor softmaxCrossEntropy(Tensor logits, Tensor targets) {
        return device(logits) ? DeviceSmallOps.softmaxCrossEntropy(api, logits, targets) : host.softmaxCrossEntropy(logits, targets);
    }

    @Override public Tensor embedding(Tensor table, Tensor ids) {
        return device(table) ? DeviceSmallOps.embedding(api, table, ids) : host.embedding(table, ids);
    }

    // ------------------------------------------------------------ delegated to the host

    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return host.binary(op, a, b); }
    @Override public Tensor where(Tensor condition, Tensor a, Tensor b) { return host.where(condition, a, b); }
    @Override public Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim) { return host.reduce(op, x, axis, keepDim); }
    @Override public Tensor[] layerNormBackward(Tensor x, Tensor weight, Tensor gradOut, double eps) { return host.layerNormBackward(x, weight, gradOut, eps); }
    @Override public Tensor argmax(Tensor x, int axis) { return host.argmax(x, axis); }
    @Override public Tensor softmax(Tensor x, int axis) { return host.softmax(x, axis); }
    @Override public Tensor logSoftmax(Tensor x, int axis) { return host.logSoftmax(x, axis); }
    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias) { return host.conv2d(x, weight, bias); }
    @Override public Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight) { return host.conv2dBackwardInput(gradOut, weight); }
    @Override public Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, int kernel) { return host.conv2dBackwardWeight(x, gradOut, kernel); }
    @Override public Tensor maxPool2x2(Tensor x) { return host.maxPool2x2(x); }
    @Override public Tensor maxPool2x2Backward(Tensor x, Tensor gradOut) { return host.maxPool2x2Backward(x, gradOut); }
    @Override public Tensor upsampleNearest2x(Tensor x) { return host.upsampleNearest2x(x); }
    @Override public Tensor upsampleNearest2xBackward(Tensor gradOut) { return host.upsampleNearest2xBackward(gradOut); }
    @Override public Tensor embeddingBackward(Tensor ids, Tensor gradOut, int rows) { return host.embeddingBackward(ids, gradOut, rows); }
    @Override public Tensor oneHot(Tensor ids, int classes, DType dtype) { return host.oneHot(ids, classes, dtype); }
    @Override public Tensor argmaxOneHot(Tensor x, int axis) { return host.argmaxOneHot(x, axis); }
    @Override public Tensor maskedAttention(Tensor q, Tensor k, Tensor v, Tensor mask) { return host.maskedAttention(q, k, v, mask); }
    @Override public Tensor[] maskedAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor gradOut) { return host.maskedAttentionBackward(q, k, v, mask, gradOut); }
    @Override public Tensor[] sparseAttention(Tensor q, Tensor k, Tensor v, dev.tessel.kernels.attention.BlockLayout layout) {
        return device(q, k, v) && DeviceSparseAttention.supports(q, v, layout) ? DeviceSparseAttention.forward(api, q, k, v, layout) : host.sparseAttention(q, k, v, layout);
    }
    @Override public Tensor[] sparseAttentionBackward(Tensor q, Tensor k, Tensor v, dev.tessel.kernels.attention.BlockLayout layout, Tensor out, Tensor logSumExp, Tensor gradOut) {
        return device(q, k, v) && DeviceSparseAttention.supports(q, v, layout)
                ? DeviceSparseAttention.backward(api, q, k, v, layout, out, logSumExp, gradOut)
                : host.sparseAttentionBackward(q, k, v, layout, out, logSumExp, gradOut);
    }
    @Override public Tensor mapPixels(Tensor x, double eps) { return host.mapPixels(x, eps); }
    @Override public Tensor unmapPixels(Tensor y, double eps) { return host.unmapPixels(y, eps); }
    @Override public Tensor logitLaplaceNll(Tensor x, Tensor mu, Tensor lnB) { return host.logitLaplaceNll(x, mu, lnB); }
    @Override public Tensor logitLaplaceNllSum(Tensor x, Tensor mu, Tensor lnB) { return host.logitLaplaceNllSum(x, mu, lnB); }
    @Override public Tensor[] logitLaplaceNllBackward(Tensor x, Tensor mu, Tensor lnB, Tensor gradOut) { return host.logitLaplaceNllBackward(x, mu, lnB, gradOut); }
}
