package dev.tessel.cli.golden;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.tensor.Tensor;

import java.util.Map;

/**
 * {@code attention.mask} cases (FORMAT.md 3.5): the ru-dalle row, column and convolutional masks,
 * rebuilt by {@link AttentionPattern} from the case's attrs (function, text_tokens,
 * image_tokens_per_dim, and for the conv mask kernel and hf_version) and compared exactly.
 * The mask is the same on every backend: it is data for the attention kernels, not a kernel.
 */
public final class AttentionMaskCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        CaseAttrs attrs = c.attrs(), args = attrs.object("args");
        String function = attrs.string("function");
        boolean conv = function.endsWith("get_conv_mask");
        AttentionPattern pattern;
        try {
            pattern = AttentionPattern.ruDalle(function, args.integer("text_tokens"), args.integer("image_tokens_per_dim"),
                    conv ? args.integer("kernel") : 0, conv ? args.stringOr("hf_version", "v3") : null);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedOperationException(c.name() + ": " + e.getMessage(), e);
        }
        boolean wraps = pattern.edges() == AttentionPattern.ConvolutionEdges.WRAPPING;
        if (attrs.has("wraps_around") && attrs.flagOr("wraps_around", wraps) != wraps) {
            throw new MalformedCaseException(c.name() + ": attrs.wraps_around=" + !wraps + " contradicts " + function
                    + " with hf_version " + args.stringOr("hf_version", "(none)"));
        }
        return Map.of("out.mask", pattern.denseMask());
    }
}
