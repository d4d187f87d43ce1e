// ResBlock: the dVAE's residual block, EncoderBlock and DecoderBlock of openai/DALL-E, which
// differ only in the kernel sizes of their four residual convolutions (3,3,3,1 vs 1,3,3,3).
//
// Invariant: parameter names are the reference's (id_path.w/.b only when the width changes,
// res_path.conv_1..conv_4.w/.b) and out = id_path(x) + postGain · res_path(x), with no
// normalisation layer anywhere. Only res_path follows the precision policy: id_path, the sum and
// the postGain product are the identity path and stay fp32 (DALL·E 2.4).
package dev.tessel.models.dvae;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Conv2d;
import dev.tessel.autograd.nn.Module;
import java.util.random.RandomGenerator;

/** One residual block: x [B, in, H, W] -> [B, out, H, W]; the bottleneck width is out/4. */
final class ResBlock extends Module {
    /** Kernel sizes of conv_1..conv_4 in encoder blocks. */
    static final int[] ENCODER_KERNELS = {3, 3, 3, 1};
    /** Kernel sizes of conv_1..conv_4 in decoder blocks. */
    static final int[] DECODER_KERNELS = {1, 3, 3, 3};

    private final Conv2d idPath;
    private final Conv2d[] residual = new Conv2d[4];
    private final double postGain;

    ResBlock(int in, int out, int[] kernels, double postGain, RandomGenerator rng) {
        if (out % 4 != 0) throw new IllegalArgumentException("ResBlock: output width " + out + " must be a multiple of 4");
        int hidden = out / 4;
        this.postGain = postGain;
        this.idPath = in == out ? null : registerModule("id_path", new Conv2d(in, out, 1, rng));
        ModuleGroup path = registerModule("res_path", new ModuleGroup());
        int[] widths = {in, hidden, hidden, hidden, out};
        for (int i = 0; i < 4; i++) residual[i] = path.add("conv_" + (i + 1), new Conv2d(widths[i], widths[i + 1], kernels[i], rng));
    }

    /**
     * x F32 -> F32. res_path runs in the policy's resblock dtype: in mixed mode its activations are
     * fp16 and its conv weights are cast from their fp32 masters where used (biases added in fp32);
     * in fp32 mode every cast is the identity, so the graph is the plain fp32 one.
     */
    Variable forward(Variable x, MixedPrecision policy) {
        Variable h = policy.toResblock(x);
        for (Conv2d conv : residual) h = policy.conv2d(Ops.relu(h), conv);
        Variable id = idPath == null ? x : idPath.forward(x);
        return Ops.add(id, Ops.mulScalar(policy.toFull(h), postGain));
    }
}
