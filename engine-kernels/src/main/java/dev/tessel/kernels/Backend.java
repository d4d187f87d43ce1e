package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The kernel SPI: every numerical operation tessel needs, implemented by each backend
 * (Reference = the scalar oracle, Cpu = Vector API and threads; device backends later).
 *
 * <p>Contract for every method: inputs may be any strided view (non-contiguous, broadcast);
 * inputs are never modified; the result is a newly allocated contiguous tensor the caller owns.
 * Float ops accept F64, F32, F16 and BF16: F64 is computed in double (that is what gradcheck
 * uses), the others in float, and the result has the input dtype unless stated. A shape or dtype
 * mismatch throws IllegalArgumentException naming the op and both shapes/dtypes.
 */
public interface Backend {
    String name();

    // ------------------------------------------------------------ elementwise

    Tensor unary(UnaryOp op, Tensor x);

    /** NumPy broadcasting; both inputs must have the same dtype. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** condition (BOOL/U8, nonzero = true) ? a : b, all three broadcast together; a and b share a dtype. */
    Tensor where(Tensor condition, Tensor a, Tensor b);

    /** Conversion to {@code target}; narrow floats round to nearest even. */
    Tensor cast(Tensor x, DType target);

    // ------------------------------------------------------------ reductions and normalisation

    Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim);

    /** Index of the first maximum along {@code axis}, as I64, with that axis removed. */
    Tensor argmax(Tensor x, int axis);

    Tensor softmax(Tensor x, int axis);

    Tensor logSoftmax(Tensor x, int axis);

    /** y = (x - mean) / sqrt(var + eps) * weight + bias over the last axis (biased variance); weight, bias [C] or null. */
    Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps);

    // ------------------------------------------------------------ linear algebra

    /**
     * Batched matrix product: a is [..., M, K] ([..., K, M] if transposeA), b is [..., K, N]
     * ([..., N, K] if transposeB); leading batch axes broadcast. F32/F16/BF16 inputs (both the same)
     * accumulate in float and give F32; F64 gives F64.
     */
    Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB);

    // ------------------------------------------------------------ convolution and resampling (NCHW)

    /** Stride 1, zero "same" padding, odd square kernel: x [B,Cin,H,W], weight [Cout,Cin,k,k], bias [Cout] or null. */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias);

    /** Gradient of conv2d with respect to x, given dL/dy [B,Cout,H,W]. */
    Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight);

    /** Gradient of conv2d with respect to the weight, [Cout,Cin,k,k]. (The bias gradient is a sum.) */
    Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, int kernel);

    /** Max over non-overlapping 2x2 windows; H and W must be even. */
    Tensor maxPool2x2(Tensor x);

    /** Routes each window's gradient to its first maximum. */
    Tensor maxPool2x2Backward(Tensor x, Tensor gradOut);

    /** Nearest-neighbour upsampling by 2 in H and W. */
    Tensor upsampleNearest2x(Tensor x);

    /** Gradient of upsampleNearest2x: the sum over each 2x2 block. */
    Tensor upsampleNearest2xBackward(Tensor gradOut);

    // ------------------------------------------------------------ indexing

    /** Rows of table [V, D] picked by integer ids (I32/I64) of any shape: result [...ids, D]. */
    Tensor embedding(Tensor table, Tensor ids);

    /** Scatter-add of gradOut [...ids, D] into a zero [rows, D] tensor at the rows named by ids. */
    Tensor embeddingBackward(Tensor ids, Tensor gradOut, int rows);

    /** One-hot of integer ids: result [...ids, classes] in {@code dtype}. */
    Tensor oneHot(Tensor ids, int classes, DType dtype);

    /** Mean over rows of logsumexp(logits[n]) - logits[n, target[n]]; logits [N, C], targets [N] integer; result [1]. */
    Tensor softmaxCrossEntropy(Tensor logits, Tensor targets);
}
