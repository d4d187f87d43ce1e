// DvaeEncoder: openai/DALL-E dall_e/encoder.py Encoder: image (already map_pixels'd) -> logits
// over the vocabulary at each cell of the token grid.
//
// Invariant: state-dict keys equal the reference's (blocks.input.w, blocks.group_g.block_i...,
// blocks.output.conv.w), so an exported reference encoder loads unchanged; the input conv, the
// path between the blocks and the logits conv compute in fp32 whatever the precision policy.
package dev.tessel.models.dvae;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Conv2d;
import dev.tessel.autograd.nn.Module;
import dev.tessel.tensor.DType;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * conv7x7(channels -> nHid); groups g = 1..G of blocksPerGroup {@link ResBlock}s of width
 * nHid·2^(g-1), a 2x2 max-pool after every group but the last; relu; conv1x1 -> vocabSize.
 */
public final class DvaeEncoder extends Module {
    private final DvaeConfig config;
    private final Conv2d input, output;
    private final ResBlock[][] groups;

    public DvaeEncoder(DvaeConfig config, RandomGenerator rng) {
        this.config = config;
        ModuleGroup blocks = registerModule("blocks", new ModuleGroup());
        input = blocks.add("input", new Conv2d(config.channels(), config.nHid(), 7, rng));
        groups = new ResBlock[config.groupCount()][config.blocksPerGroup()];
        int width = config.nHid();
        for (int g = 1; g <= config.groupCount(); g++) {
            ModuleGroup group = blocks.add("group_" + g, new ModuleGroup());
            int out = config.groupWidth(g);
            for (int i = 1; i <= config.blocksPerGroup(); i++) {
                groups[g - 1][i - 1] = group.add("block_" + i, new ResBlock(width, out, ResBlock.ENCODER_KERNELS, config.postGain(), rng));
                width = out;
            }
        }
        output = blocks.add("output", new ModuleGroup()).add("conv", new Conv2d(width, config.vocabSize(), 1, rng));
    }

    public DvaeConfig config() { return config; }

    /**
     * x [B, channels, H, W] F32, already mapped to (eps, 1-eps) -> logits [B, vocab, H/f, W/f] F32
     * with f = 2^(groupCount-1). Like the reference, any H and W work (multiples of f here, since
     * the pool takes whole windows), not only the configured imageSize.
     */
    public Variable forward(Variable x) {
        return forward(x, MixedPrecision.fp32());
    }

    /** As above, each block's residual path in {@code policy}'s resblock dtype (see {@link ResBlock}). */
    public Variable forward(Variable x, MixedPrecision policy) {
        int[] s = x.shape();
        int f = 1 << (config.groupCount() - 1);
        if (s.length != 4 || s[1] != config.channels() || s[2] % f != 0 || s[3] % f != 0 || s[2] == 0 || s[3] == 0 || x.dtype() != DType.F32) {
            throw new IllegalArgumentException("DvaeEncoder: input " + x.dtype() + Arrays.toString(s) + " must be F32 [B, "
                    + config.channels() + ", H, W] (mapped pixels) with H and W positive multiples of " + f);
        }
        Variable h = input.forward(x);
        for (int g = 0; g < groups.length; g++) {
            for (ResBlock block : groups[g]) h = block.forward(h, policy);
            if (g < groups.length - 1) h = Ops.maxPool2x2(h);
        }
        h = Ops.relu(h);
        return output.forward(h.dtype() == DType.F32 ? h : Ops.cast(h, DType.F32));
    }
}
