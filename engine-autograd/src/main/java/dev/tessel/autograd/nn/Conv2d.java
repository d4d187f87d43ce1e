// Conv2d: stride 1, zero "same" padding, odd square kernel, with openai/DALL-E's state-dict
// names ("w" [out,in,k,k], "b" [out]) and init (w ~ N(0, 1/sqrt(in·k·k)), b = 0).
//
// Invariant: parameter names stay "w" and "b" so dVAE checkpoints exported from the reference
// (keys like blocks.group_1.block_1.res_path.conv_1.w) load unchanged.
package dev.tessel.autograd.nn;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.random.RandomGenerator;

/** The dVAE's convolution (DESIGN.md 3, FORMAT.md 3.1). */
public final class Conv2d extends Module {
    private final int inChannels, outChannels, kernel;
    private final Parameter w, b;

    public Conv2d(int inChannels, int outChannels, int kernel, RandomGenerator rng) {
        this(inChannels, outChannels, kernel, DType.F32, rng);
    }

    public Conv2d(int inChannels, int outChannels, int kernel, DType dtype, RandomGenerator rng) {
        if (inChannels <= 0 || outChannels <= 0 || kernel <= 0 || kernel % 2 == 0) {
            throw new IllegalArgumentException("Conv2d: channels must be positive and the kernel odd, got in " + inChannels
                    + ", out " + outChannels + ", kernel " + kernel);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        double std = 1 / Math.sqrt((double) inChannels * kernel * kernel);
        this.w = registerParameter("w", Init.normal(dtype, std, rng, outChannels, inChannels, kernel, kernel));
        this.b = registerParameter("b", Tensor.zeros(dtype, outChannels));
    }

    /** x [B, in, H, W] -> [B, out, H, W]. */
    public Variable forward(Variable x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != inChannels) {
            throw new IllegalArgumentException("Conv2d(" + inChannels + " -> " + outChannels + ", k " + kernel + "): input "
                    + x.dtype() + java.util.Arrays.toString(s) + " must be [B, " + inChannels + ", H, W]");
        }
        return Ops.conv2d(x, w.variable(), b.variable());
    }

    public Parameter w() { return w; }

    public Parameter b() { return b; }

    public int kernel() { return kernel; }
}
