// DvaeDecoder: openai/DALL-E dall_e/decoder.py Decoder: a (one-hot or relaxed) code map over the
// vocabulary -> the logit-Laplace statistics of every pixel.
//
// Invariant: state-dict keys equal the reference's; output channels 0..C-1 are mu and C..2C-1
// are ln b of the logit-Laplace likelihood (FORMAT.md 3.2); the input conv, the path between the
// blocks and the output statistics compute in fp32 whatever the precision policy.
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
 * conv1x1(vocab -> nInit); groups g = 1..G of blocksPerGroup {@link ResBlock}s of width
 * nHid·2^(G-g), a nearest-neighbour 2x upsample after every group but the last; relu;
 * conv1x1(nHid -> 2·channels).
 */
public final class DvaeDecoder extends Module {
    private final DvaeConfig config;
    private final Conv2d input, output;
    private final ResBlock[][] groups;

    public DvaeDecoder(DvaeConfig config, RandomGenerator rng) {
        this.config = config;
        ModuleGroup blocks = registerModule("blocks", new ModuleGroup());
        input = blocks.add("input", new Conv2d(config.vocabSize(), config.nInit(), 1, rng));
        int groupCount = config.groupCount();
        groups = new ResBlock[groupCount][config.blocksPerGroup()];
        int width = config.nInit();
        for (int g = 1; g <= groupCount; g++) {
            ModuleGroup group = blocks.add("group_" + g, new ModuleGroup());
            int out = config.groupWidth(groupCount - g + 1);
            for (int i = 1; i <= config.blocksPerGroup(); i++) {
                groups[g - 1][i - 1] = group.add("block_" + i, new ResBlock(width, out, ResBlock.DECODER_KERNELS, config.postGain(), rng));
                width = out;
            }
        }
        output = blocks.add("output", new ModuleGroup()).add("conv", new Conv2d(width, 2 * config.channels(), 1, rng));
    }

    public DvaeConfig config() { return config; }

    /**
     * z [B, vocab, h, w] F32 (one-hot or relaxed codes) -> x_stats [B, 2·channels, h·f, w·f]
     * (f = 2^(groupCount-1)): mu then ln b. Any grid size works, as in the reference.
     */
    public Variable forward(Variable z) {
        return forward(z, MixedPrecision.fp32());
    }

    /** As above, each block's residual path in {@code policy}'s resblock dtype; the input and output convs stay fp32. */
    public Variable forward(Variable z, MixedPrecision policy) {
        int[] s = z.shape();
        if (s.length != 4 || s[1] != config.vocabSize() || s[2] == 0 || s[3] == 0 || z.dtype() != DType.F32) {
            throw new IllegalArgumentException("DvaeDecoder: codes " + z.dtype() + Arrays.toString(s) + " must be F32 [B, "
                    + config.vocabSize() + ", h, w]");
        }
        Variable h = input.forward(z);
        for (int g = 0; g < groups.length; g++) {
            for (ResBlock block : groups[g]) h = block.forward(h, policy);
            if (g < groups.length - 1) h = Ops.upsampleNearest2x(h);
        }
        return output.forward(Ops.relu(h));
    }
}
