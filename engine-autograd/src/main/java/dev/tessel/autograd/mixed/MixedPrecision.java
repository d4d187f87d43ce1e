// MixedPrecision: the precision policy a model asks when it builds its graph: which dtype the
// resblock weights and activations use, and how the gradient scaling is done.
//
// Invariants (DALL·E section 2.4): in MIXED mode a resblock's weights are fp16 where they are used
// -- stored in fp16 (the transformer, as the paper) or fp32 master copies cast at use (the dVAE)
// -- and its activations are fp16, while gains, biases, embeddings, unembeddings, logits and the
// identity (residual) path stay fp32. In FP32 mode every cast of an fp32 tensor is the identity,
// so a model written against this policy trains unchanged in fp32; fp16-stored weights are then
// widened at use (evaluating a mixed-precision model in fp32).
package dev.tessel.autograd.mixed;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import java.util.Locale;

/** fp32 or mixed, plus the scaling scheme of mixed training. */
public record MixedPrecision(Mode mode, Scaling scaling) {
    /** What `--precision` selects. */
    public enum Mode { FP32, MIXED }

    /** How gradients are kept out of fp16's underflow range. */
    public enum Scaling {
        /** No scaling (fp32 training). */
        NONE,
        /** One scale for the whole network, applied to the loss (the paper's dVAE; plain fp16 training). */
        GLOBAL,
        /** One scale per resblock, applied at its boundary (the paper's transformer). */
        PER_RESBLOCK
    }

    public MixedPrecision {
        if (mode == null || scaling == null) throw new IllegalArgumentException("MixedPrecision: mode and scaling must not be null");
        if (mode == Mode.FP32 && scaling != Scaling.NONE) {
            throw new IllegalArgumentException("MixedPrecision: fp32 training needs no gradient scaling, got " + scaling);
        }
        if (mode == Mode.MIXED && scaling == Scaling.NONE) {
            throw new IllegalArgumentException("MixedPrecision: mixed training needs GLOBAL or PER_RESBLOCK scaling (fp16 gradients underflow)");
        }
    }

    public static MixedPrecision fp32() { return new MixedPrecision(Mode.FP32, Scaling.NONE); }

    /** Mixed precision with one scale per resblock (the transformer). */
    public static MixedPrecision perResblock() { return new MixedPrecision(Mode.MIXED, Scaling.PER_RESBLOCK); }

    /** Mixed precision with one global loss scale (the dVAE; the baseline of the scaling experiment). */
    public static MixedPrecision globalScale() { return new MixedPrecision(Mode.MIXED, Scaling.GLOBAL); }

    /**
     * The value of a `--precision` option: "fp32" or "mixed"; mixed takes {@code mixedScaling}
     * (PER_RESBLOCK for the transformer, GLOBAL for the dVAE).
     */
    public static MixedPrecision parse(String precision, Scaling mixedScaling) {
        return switch (precision == null ? "" : precision.trim().toLowerCase(Locale.ROOT)) {
            case "fp32" -> fp32();
            case "mixed" -> new MixedPrecision(Mode.MIXED, mixedScaling);
            default -> throw new IllegalArgumentException("--precision must be fp32 or mixed, got '" + precision + "'");
        };
    }

    public boolean mixed() { return mode == Mode.MIXED; }

    /** The dtype of resblock weights and activations: F16 when mixed, else F32. */
    public DType resblockDtype() { return mixed() ? DType.F16 : DType.F32; }

    /** An activation entering a resblock's fp16 region (identity in fp32 mode). */
    public Variable toResblock(Variable x) { return x.dtype() == resblockDtype() ? x : Ops.cast(x, resblockDtype()); }

    /** An activation leaving the fp16 region for the fp32 identity path, gains, biases or logits. */
    public Variable toFull(Variable x) { return x.dtype() == DType.F32 ? x : Ops.cast(x, DType.F32); }

    /** A resblock weight as used in the forward, in the resblock dtype: cast at use unless stored in it. */
    public Variable weight(Parameter p) { return toResblock(p.variable()); }

    /**
     * {@code layer} inside a resblock: its own forward in fp32 mode with fp32 weights (bit for bit),
     * else {@link #linear(Variable, Parameter, Parameter)}.
     */
    public Variable linear(Variable x, dev.tessel.autograd.nn.Linear layer) {
        return mixed() || layer.weight().dtype() != DType.F32 ? linear(x, layer.weight(), layer.bias()) : layer.forward(x);
    }

    /**
     * A linear layer inside a resblock: x (resblock dtype) [.., in] · weight [out, in]ᵀ + bias
     * (fp32, added in fp32), result in the resblock dtype. The product accumulates in float.
     */
    public Variable linear(Variable x, Parameter weight, Parameter bias) {
        int[] s = x.shape();
        int in = s[s.length - 1];
        Variable rows = Ops.reshape(toResblock(x), -1, in);
        Variable y = Ops.matmul(rows, weight(weight), false, true);     // F32 (float accumulation)
        if (bias != null) y = Ops.add(toFull(y), bias.variable());
        s[s.length - 1] = weight.shape().dim(0);
        return toResblock(Ops.reshape(y, s));
    }

    /** {@code layer} inside a resblock: its own forward in fp32 mode (bit for bit), else {@link #conv2d(Variable, Parameter, Parameter)}. */
    public Variable conv2d(Variable x, dev.tessel.autograd.nn.Conv2d layer) {
        return mixed() ? conv2d(x, layer.w(), layer.b()) : layer.forward(x);
    }

    /**
     * A convolution inside a resblock: x (resblock dtype) [B, in, H, W] (*) weight [out, in, k, k]
     * + bias [out] (fp32, added in fp32), result [B, out, H, W] in the resblock dtype. Unlike
     * matmul, the kernels' conv2d returns its input dtype: in fp16 it accumulates in float and
     * rounds the sum to fp16, so with a bias the output is rounded twice (before and after the
     * fp32 bias add), the price of keeping the bias out of fp16.
     */
    public Variable conv2d(Variable x, Parameter weight, Parameter bias) {
        Variable y = Ops.conv2d(toResblock(x), weight(weight), null);          // resblock dtype
        if (bias != null) y = Ops.add(toFull(y), Ops.reshape(bias.variable(), -1, 1, 1));
        return toResblock(y);
    }
}
