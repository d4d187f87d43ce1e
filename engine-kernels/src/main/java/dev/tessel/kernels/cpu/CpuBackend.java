package dev.tessel.kernels.cpu;

import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The Cpu backend: the fast CPU path: Panama Vector API and the shared CpuThreads pool.
 * Each family of ops lives in its own class (CpuElementwise, CpuGemm, ...); this class only routes.
 */
public final class CpuBackend implements Backend {
    @Override public String name() { return "cpu"; }

    @Override public Tensor unary(UnaryOp op, Tensor x) { return CpuElementwise.unary(op, x); }
    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return CpuElementwise.binary(op, a, b); }
    @Override public Tensor where(Tensor condition, Tensor a, Tensor b) { return CpuElementwise.where(condition, a, b); }
    @Override public Tensor cast(Tensor x, DType target) { return CpuElementwise.cast(x, target); }
    @Override public Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim) { return CpuReductions.reduce(op, x, axis, keepDim); }
    @Override public Tensor argmax(Tensor x, int axis) { return CpuReductions.argmax(x, axis); }
    @Override public Tensor softmax(Tensor x, int axis) { return CpuReductions.softmax(x, axis); }
    @Override public Tensor logSoftmax(Tensor x, int axis) { return CpuReductions.logSoftmax(x, axis); }
    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) { return CpuReductions.layerNorm(x, weight, bias, eps); }
    @Override public Tensor[] layerNormBackward(Tensor x, Tensor weight, Tensor gradOut, double eps) {
        return CpuLayerNormBackward.compute(x, weight, gradOut, eps);
    }
    @Override public Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) { return CpuGemm.matmul(a, b, transposeA, transposeB); }
    @Override public PreparedWeight prepareWeight(Tensor weight) { return CpuGemm.prepareWeight(weight); }
    @Override public Tensor matmulPrepared(Tensor rows, PreparedWeight weight, Tensor bias) { return CpuGemm.matmulPrepared(rows, weight, bias); }
    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias) { return CpuConv.conv2d(x, weight, bias); }
    @Override public Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight) { return CpuConv.conv2dBackwardInput(gradOut, weight); }
    @Override public Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, int kernel) { return CpuConv.conv2dBackwardWeight(x, gradOut, kernel); }
    @Override public Tensor maxPool2x2(Tensor x) { return CpuConv.maxPool2x2(x); }
    @Override public Tensor maxPool2x2Backward(Tensor x, Tensor gradOut) { return CpuConv.maxPool2x2Backward(x, gradOut); }
    @Override public Tensor upsampleNearest2x(Tensor x) { return CpuConv.upsampleNearest2x(x); }
    @Override public Tensor upsampleNearest2xBackward(Tensor gradOut) { return CpuConv.upsampleNearest2xBackward(gradOut); }
    @Override public Tensor embedding(Tensor table, Tensor ids) { return CpuIndexing.embedding(table, ids); }
    @Override public Tensor embeddingBackward(Tensor ids, Tensor gradOut, int rows) { return CpuIndexing.embeddingBackward(ids, gradOut, rows); }
    @Override public Tensor oneHot(Tensor ids, int classes, DType dtype) { return CpuIndexing.oneHot(ids, classes, dtype); }
    @Override public Tensor softmaxCrossEntropy(Tensor logits, Tensor targets) { return CpuIndexing.softmaxCrossEntropy(logits, targets); }

    @Override public Tensor gumbelSoftmax(Tensor logits, Tensor u, double tau, int axis) { return CpuGumbelSoftmax.forward(logits, u, tau, axis); }
    @Override public Tensor gumbelSoftmaxBackward(Tensor y, Tensor gradY, double tau, int axis) { return CpuGumbelSoftmax.backward(y, gradY, tau, axis); }
    @Override public Tensor argmaxOneHot(Tensor x, int axis) { return CpuGumbelSoftmax.argmaxOneHot(x, axis); }
    @Override public Tensor maskedAttention(Tensor q, Tensor k, Tensor v, Tensor mask) { return CpuMaskedAttention.forward(q, k, v, mask); }
    @Override public Tensor decodeAttention(Tensor q, Tensor k, Tensor v, int[] visibleKeys) { return CpuDecodeAttention.forward(q, k, v, visibleKeys); }
    @Override public Tensor[] maskedAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor gradOut) { return CpuMaskedAttention.backward(q, k, v, mask, gradOut); }
    @Override public Tensor[] sparseAttention(Tensor q, Tensor k, Tensor v, BlockLayout layout) { return CpuSparseAttention.forward(q, k, v, layout); }
    @Override public Tensor[] sparseAttentionBackward(Tensor q, Tensor k, Tensor v, BlockLayout layout, Tensor out, Tensor logSumExp, Tensor gradOut) { return CpuSparseAttention.backward(q, k, v, layout, out, logSumExp, gradOut); }
    @Override public Tensor mapPixels(Tensor x, double eps) { return CpuLogitLaplace.mapPixels(x, eps); }
    @Override public Tensor unmapPixels(Tensor y, double eps) { return CpuLogitLaplace.unmapPixels(y, eps); }
    @Override public Tensor logitLaplaceNll(Tensor x, Tensor mu, Tensor lnB) { return CpuLogitLaplace.nll(x, mu, lnB); }
    @Override public Tensor logitLaplaceNllSum(Tensor x, Tensor mu, Tensor lnB) { return CpuLogitLaplace.nllSum(x, mu, lnB); }
    @Override public Tensor[] logitLaplaceNllBackward(Tensor x, Tensor mu, Tensor lnB, Tensor gradOut) { return CpuLogitLaplace.backward(x, mu, lnB, gradOut); }

    @Override public Unscaled unscaleFilter(Tensor x, double scale) { return CpuTraining.unscaleFilter(x, scale); }
    @Override public long adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep hyper) { return CpuTraining.adamwStep(param, grad, expAvg, expAvgSq, hyper); }
}
