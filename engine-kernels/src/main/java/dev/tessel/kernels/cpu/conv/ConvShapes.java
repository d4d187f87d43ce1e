package dev.tessel.kernels.cpu.conv;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Argument checks of the Cpu convolution and resampling ops. Every failure is an
 * IllegalArgumentException naming the op and the offending shapes and dtypes, thrown before any
 * work starts, so a kernel never meets an index it cannot handle.
 *
 * <p>Invariant: the rules here are the same as the Reference backend's (NCHW float tensors, odd
 * square kernel, matching dtypes, even H and W where 2x2 windows are taken).
 */
public final class ConvShapes {
    private ConvShapes() {}

    /** x [B,Cin,H,W] with weight [Cout,Cin,k,k] (conv2d), or gradOut [B,Cout,H,W] with it (backward input). */
    public static void checkConv(String op, Tensor image, Tensor weight, boolean imageIsGradOut) {
        checkImage(op, "input", image);
        if (weight.dtype() != image.dtype() || weight.rank() != 4 || weight.dim(2) != weight.dim(3) || weight.dim(2) % 2 == 0) {
            throw new IllegalArgumentException(op + ": weight " + weight.dtype() + weight.shape()
                    + " must be [Cout,Cin,k,k] with odd k and the dtype of input " + image.dtype() + image.shape());
        }
        int channels = imageIsGradOut ? weight.dim(0) : weight.dim(1);
        if (image.dim(1) != channels) {
            throw new IllegalArgumentException(op + ": input " + image.shape() + " has " + image.dim(1)
                    + " channels but weight " + weight.shape() + " expects " + channels);
        }
    }

    public static void checkBias(String op, Tensor x, Tensor weight, Tensor bias) {
        if (bias != null && (bias.dtype() != x.dtype() || bias.rank() != 1 || bias.dim(0) != weight.dim(0))) {
            throw new IllegalArgumentException(op + ": bias " + bias.dtype() + bias.shape() + " does not match weight "
                    + weight.dtype() + weight.shape() + " (need [" + weight.dim(0) + "] of " + x.dtype() + ")");
        }
    }

    public static void checkBackwardWeight(String op, Tensor x, Tensor gradOut, int kernel) {
        checkImage(op, "x", x);
        checkImage(op, "gradOut", gradOut);
        if (x.dtype() != gradOut.dtype() || x.dim(0) != gradOut.dim(0) || x.dim(2) != gradOut.dim(2) || x.dim(3) != gradOut.dim(3)) {
            throw new IllegalArgumentException(op + ": x " + x.dtype() + x.shape() + " and gradOut " + gradOut.dtype() + gradOut.shape()
                    + " must share dtype, batch and H, W");
        }
        if (kernel < 1 || kernel % 2 == 0) throw new IllegalArgumentException(op + ": kernel " + kernel + " must be odd and positive");
    }

    public static void checkImage(String op, String role, Tensor t) {
        DType d = t.dtype();
        if (t.rank() != 4 || !(d == DType.F64 || d == DType.F32 || d == DType.F16 || d == DType.BF16)) {
            throw new IllegalArgumentException(op + ": " + role + " " + d + t.shape() + " must be a float NCHW tensor [B,C,H,W]");
        }
    }

    public static void checkPoolable(String op, Tensor x) {
        checkImage(op, "input", x);
        if (x.dim(2) % 2 != 0 || x.dim(3) % 2 != 0) {
            throw new IllegalArgumentException(op + ": input " + x.dtype() + x.shape() + " needs even H and W");
        }
    }

    public static void checkPoolGrad(String op, Tensor x, Tensor gradOut) {
        checkPoolable(op, x);
        if (gradOut.dtype() != x.dtype() || gradOut.rank() != 4 || gradOut.dim(0) != x.dim(0) || gradOut.dim(1) != x.dim(1)
                || gradOut.dim(2) != x.dim(2) / 2 || gradOut.dim(3) != x.dim(3) / 2) {
            throw new IllegalArgumentException(op + ": gradOut " + gradOut.dtype() + gradOut.shape()
                    + " does not match the pooled shape of x " + x.dtype() + x.shape());
        }
    }
}
