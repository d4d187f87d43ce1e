package dev.tessel.kernels.reference;

import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The Reference backend: the scalar oracle: plain loops in double, written to be obviously right, never fast.
 * Each family of ops lives in its own class (ReferenceElementwise, ReferenceGemm, ...); this class only routes.
 */
public final class ReferenceBackend implements Backend {
    @Override public String name() { return "reference"; }

    @Override public Tensor unary(UnaryOp op, Tensor x) { return ReferenceElementwise.unary(op, x); }
    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return ReferenceElementwise.binary(op, a, b); }
    @Override public Tensor where(Tensor condition, Tensor a, Tensor b) { return ReferenceElementwise.where(condition, a, b); }
    @Override public Tensor cast(Tensor x, DType target) { return ReferenceElementwise.cast(x, target); }
    @Override public Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim) { return ReferenceReductions.reduce(op, x, axis, keepDim); }
    @Override public Tensor argmax(Tensor x, int axis) { return ReferenceReductions.argmax(x, axis); }
    @Override public Tensor softmax(Tensor x, int axis) { return ReferenceReductions.softmax(x, axis); }
    @Override public Tensor logSoftmax(Tensor x, int axis) { return ReferenceReductions.logSoftmax(x, axis); }
    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) { return ReferenceReductions.layerNorm(x, weight, bias, eps); }
    @Override public Tensor[] layerNormBackward(Tensor x, Tensor weight, Tensor gradOut, double eps) {
        return ReferenceReductions.layerNormBackward(x, weight, gradOut, eps);
    }
    @Override public Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) { return ReferenceGemm.matmul(a, b, transposeA, transposeB); }
    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias) { return ReferenceConv.conv2d(x, weight, bias); }
    @Override public Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight) { return ReferenceConv.conv2dBackwardInput(gradOut, weight); }
    @Override public Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, int kernel) { return ReferenceConv.conv2dBackwardWeight(x, gradOut, kernel); }
    @Override public Tensor maxPool2x2(Tensor x) { return ReferenceConv.maxPool2x2(x); }
    @Override public Tensor maxPool2x2Backward(Tensor x, Tensor gradOut) { return ReferenceConv.maxPool2x2Backward(x, gradOut); }
    @Override public Tensor upsampleNearest2x(Tensor x) { return ReferenceConv.upsampleNearest2x(x); }
    @Override public Tensor upsampleNearest2xBackward(Tensor gradOut) { return ReferenceConv.upsampleNearest2xBackward(gradOut); }
    @Override public Tensor embedding(Tensor table, Tensor ids) { return ReferenceIndexing.embedding(table, ids); }
    @Override public Tensor embeddingBackward(Tensor ids, Tensor gradOut, int rows) { return ReferenceIndexing.embeddingBackward(ids, gradOut, rows); }
    @Override public Tensor oneHot(Tensor ids, int classes, DType dtype) { return ReferenceIndexing.oneHot(ids, classes, dtype); }
    @Override public Tensor softmaxCrossEntropy(Tensor logits, Tensor targets) { return ReferenceIndexing.softmaxCrossEntropy(logits, targets); }

    @Override public Tensor gumbelSoftmax(Tensor logits, Tensor u, double tau, int axis) { return ReferenceGumbelSoftmax.forward(logits, u, tau, axis); }
    @Override public Tensor gumbelSoftmaxBackward(Tensor y, Tensor gradY, double tau, int axis) { return ReferenceGumbelSoftmax.backward(y, gradY, tau, axis); }
    @Override public Tensor argmaxOneHot(Tensor x, int axis) { return ReferenceGumbelSoftmax.argmaxOneHot(x, axis); }
    @Override public Tensor maskedAttention(Tensor q, Tensor k, Tensor v, Tensor mask) { return ReferenceMaskedAttention.forward(q, k, v, mask); }
    @Override public Tensor[] maskedAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor gradOut) { return ReferenceMaskedAttention.backward(q, k, v, mask, gradOut); }
    @Override public Tensor[] sparseAttention(Tensor q, Tensor k, Tensor v, BlockLayout layout) { return ReferenceSparseAttention.forward(q, k, v, layout); }
    @Override public Tensor[] sparseAttentionBackward(Tensor q, Tensor k, Tensor v, BlockLayout layout, Tensor out, Tensor logSumExp, Tensor gradOut) { return ReferenceSparseAttention.backward(q, k, v, layout, out, logSumExp, gradOut); }
    @Override public Tensor mapPixels(Tensor x, double eps) { return ReferenceLogitLaplace.mapPixels(x, eps); }
    @Override public Tensor unmapPixels(Tensor y, double eps) { return ReferenceLogitLaplace.unmapPixels(y, eps); }
    @Override public Tensor logitLaplaceNll(Tensor x, Tensor mu, Tensor lnB) { return ReferenceLogitLaplace.nll(x, mu, lnB); }
    @Override public Tensor logitLaplaceNllSum(Tensor x, Tensor mu, Tensor lnB) { return ReferenceLogitLaplace.nllSum(x, mu, lnB); }
    @Override public Tensor[] logitLaplaceNllBackward(Tensor x, Tensor mu, Tensor lnB, Tensor gradOut) { return ReferenceLogitLaplace.backward(x, mu, lnB, gradOut); }

    @Override public Unscaled unscaleFilter(Tensor x, double scale) { return ReferenceTraining.unscaleFilter(x, scale); }
    @Override public long adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep hyper) { return ReferenceTraining.adamwStep(param, grad, expAvg, expAvgSq, hyper); }
}
