package dev.tessel.cli.golden;

import java.util.Map;

/**
 * The op table: which {@link CaseHandler} computes which {@code op} of FORMAT.md. An op missing here
 * makes its cases FAIL as "unsupported op". Adding an op is one line here plus its handler class.
 *
 * <p>Invariant: keys are exactly the {@code op} strings written in the case files' metadata.
 */
public final class CaseHandlers {
    private CaseHandlers() {}

    public static Map<String, CaseHandler> all() {
        return Map.of(
                "conv2d", new Conv2dCase(),
                "layernorm", new LayerNormCase(),
                "gelu", new GeluCase(),
                "softmax_cross_entropy", new SoftmaxCrossEntropyCase(),
                "gumbel_softmax", new GumbelSoftmaxCase(),
                "attention.masked", new AttentionMaskedCase(),
                "dvae.pixels", new DvaePixelsCase(),
                "adamw", new AdamwCase());
    }
}
