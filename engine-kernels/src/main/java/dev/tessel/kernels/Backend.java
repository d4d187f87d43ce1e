package dev.tessel.kernels;

import dev.tessel.kernels.attention.BlockLayout;
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
 * mismatch throws IllegalArgumentException naming the op and both shapes/dtypes. The one exception to
 * "inputs are never modified" is {@link #adamwStep}, an optimizer update that works in place.
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

    /**
     * The gradients of {@link #layerNorm} for the upstream gradient {@code gradOut} (x's shape), with
     * the row statistics recomputed from x: {dx, dWeight [C], dBias [C]}, all in x's dtype. With x̂ = (x − mean)·rstd and d = gradOut·weight (weight null: 1):
     * dx = rstd·(d − mean(d) − x̂·mean(d·x̂)), dWeight = Σ_rows gradOut·x̂, dBias = Σ_rows gradOut.
     */
    Tensor[] layerNormBackward(Tensor x, Tensor weight, Tensor gradOut, double eps);

    // ------------------------------------------------------------ linear algebra

    /**
     * Batched matrix product: a is [..., M, K] ([..., K, M] if transposeA), b is [..., K, N]
     * ([..., N, K] if transposeB); leading batch axes broadcast. F32/F16/BF16 inputs (both the same)
     * accumulate in float and give F32; F64 gives F64.
     */
    Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB);

    /**
     * A linear layer's weight [N, K] prepared for many {@link #matmulPrepared} products (the Cpu
     * backend packs it once); the caller must not modify the weight while the result is in use.
     */
    default PreparedWeight prepareWeight(Tensor weight) {
        return PreparedWeight.unprepared(weight);
    }

    /**
     * rows [M, K] · weightᵀ + bias -> [M, N]: the same values as matmul(rows, weight.weight(), false,
     * true) followed by binary(ADD, .., bias); bias [N] or null.
     */
    default Tensor matmulPrepared(Tensor rows, PreparedWeight weight, Tensor bias) {
        Tensor product = matmul(rows, weight.weight(), false, true);
        if (bias == null) return product;
        try (product) {
            return binary(BinaryOp.ADD, product, bias);
        }
    }

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

    // ------------------------------------------------------------ DALL·E ops (FORMAT.md 3.3, 3.4, 3.6)

    /** Soft gumbel-softmax sample softmax((logits - ln(-ln u)) / tau, axis); u (same shape and dtype) is the uniform noise in (0,1). */
    Tensor gumbelSoftmax(Tensor logits, Tensor u, double tau, int axis);

    /** dL/dlogits of gumbelSoftmax from its output y and dL/dy: y * (gradY - sum_axis(gradY * y)) / tau. */
    Tensor gumbelSoftmaxBackward(Tensor y, Tensor gradY, double tau, int axis);

    /**
     * gumbelSoftmax with the noise drawn from engine-tensor's Philox stream: the uniform at logical
     * flat position k of logits is {@code Philox.uniform(seed, offset, k)} (a float, not rounded to
     * the logits' dtype; 16-bit logits compute in float). With {@code hard}, also the one-hot of
     * the sample's first maximum (straight-through). The draw consumes
     * {@code Philox.blocks(logits.numel())} counters. Device backends draw the noise in-kernel
     * (bit-identical uniforms); this default draws it on the host.
     */
    default GumbelSample gumbelSoftmaxPhilox(Tensor logits, long seed, long offset, double tau, int axis, boolean hard) {
        dev.tessel.kernels.reference.ReferenceGumbelSoftmax.checkTau(tau);
        OpChecks.requireFloat("gumbelSoftmaxPhilox", logits);
        DType storage = logits.dtype(), compute = storage == DType.F64 ? DType.F64 : DType.F32;
        Tensor wide = storage == compute ? logits : cast(logits, compute);
        try (Tensor u = Tensor.zeros(compute, logits.shape())) {
            dev.tessel.tensor.Philox.fillUniform(u, seed, offset);
            Tensor soft = gumbelSoftmax(wide, u, tau, axis);
            Tensor hot = hard ? argmaxOneHot(soft, axis) : null;
            if (storage == compute) return new GumbelSample(soft, hot);
            try (soft) {
                Tensor hotNarrow = hot == null ? null : cast(hot, storage);
                if (hot != null) hot.close();
                return new GumbelSample(cast(soft, storage), hotNarrow);
            }
        } finally {
            if (wide != logits) wide.close();
        }
    }

    /** One-hot (shape and dtype of x) of the first maximum along axis: the straight-through forward value. */
    Tensor argmaxOneHot(Tensor x, int axis);

    /**
     * softmax(q·kᵀ/√D with mask==0 at -inf, over keys)·v: q [B,H,Tq,D], k [B,H,Tk,D], v [B,H,Tk,Dv],
     * mask [Tq,Tk] U8/BOOL (1 = query may attend to key); result [B,H,Tq,Dv]. A row that sees no key gives 0.
     */
    Tensor maskedAttention(Tensor q, Tensor k, Tensor v, Tensor mask);

    /**
     * KV-cached decoding's attention: one query per (batch, head), q [B,H,1,D], against keys
     * k [B,H,Tk,D] and values v [B,H,Tk,Dv] at the ascending positions {@code visibleKeys} (all
     * below Tk) -> [B,H,1,Dv]: the values of maskedAttention with the one-row mask that is 1 exactly
     * there. k and v are typically views of a cache longer than Tk, which a backend should read in
     * place. Not differentiated (sampling only).
     */
    default Tensor decodeAttention(Tensor q, Tensor k, Tensor v, int[] visibleKeys) {
        VisibleKeys.check("decodeAttention", visibleKeys, k.dim(2));
        return maskedAttention(q, k, v, VisibleKeys.maskRow(visibleKeys, k.dim(2)));
    }

    /** {dq, dk, dv} of sum(maskedAttention(q,k,v,mask) * gradOut). */
    Tensor[] maskedAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor gradOut);

    /**
     * Block-sparse self-attention (the DALL·E layers): softmax over the keys {@code layout} shows
     * each query of q·kᵀ/√D, times v; tiles the layout lists as empty are never computed.
     * q [B,H,N,D], k [B,H,N,D], v [B,H,N,Dv] in sequence order, N = layout.length(). Returns
     * {out [B,H,N,Dv] (q's dtype), logSumExp [B,H,N] (F32; F64 for F64 inputs; -inf where a query
     * sees no key, whose output is 0)}. Same result as maskedAttention with layout.denseMask().
     */
    Tensor[] sparseAttention(Tensor q, Tensor k, Tensor v, BlockLayout layout);

    /** {dq, dk, dv} of sum(out * gradOut); out and logSumExp are what {@link #sparseAttention} returned for these inputs. */
    Tensor[] sparseAttentionBackward(Tensor q, Tensor k, Tensor v, BlockLayout layout, Tensor out, Tensor logSumExp, Tensor gradOut);

    /** dVAE map_pixels: (1 - 2 eps) x + eps. */
    Tensor mapPixels(Tensor x, double eps);

    /** dVAE unmap_pixels: clamp((y - eps) / (1 - 2 eps), 0, 1). */
    Tensor unmapPixels(Tensor y, double eps);

    /** Elementwise logit-Laplace NLL ln(2b) + ln x + ln(1-x) + |logit x - mu|/b with b = exp(lnB); all three one shape and dtype. */
    Tensor logitLaplaceNll(Tensor x, Tensor mu, Tensor lnB);

    /** The same NLL summed over every element (accumulated in double), shape [1]. */
    Tensor logitLaplaceNllSum(Tensor x, Tensor mu, Tensor lnB);

    /** {dL/dmu, dL/dlnB} of sum(nll * gradOut); gradOut broadcasts to x's shape ([1] for the summed NLL). */
    Tensor[] logitLaplaceNllBackward(Tensor x, Tensor mu, Tensor lnB, Tensor gradOut);

    // ------------------------------------------------------------ mixed-precision training (DALL·E section 2.4)

    /**
     * Filtered unscale of a scaled gradient: x·(1/scale) in x's dtype (F64 in double, else in
     * float with 1/scale rounded to float); every element whose result is not finite in that dtype
     * (Inf, NaN, overflow) becomes 0 and is counted. scale must be finite and > 0.
     */
    Unscaled unscaleFilter(Tensor x, double scale);

    /**
     * One fused AdamW update, in place on param and both moments (see {@link AdamWStep} for the
     * formula, the accepted moment formats and the checks). Returns the number of elements left
     * untouched because their gradient was not finite (0 on a healthy step).
     */
    long adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep hyper);
}
