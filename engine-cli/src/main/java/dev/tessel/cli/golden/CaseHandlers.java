package dev.tessel.cli.golden;

import java.util.Map;

import static java.util.Map.entry;

/**
 * The op table: which {@link CaseHandler} computes which {@code op} of FORMAT.md. An op missing here
 * makes its cases FAIL as "unsupported op". Adding an op is one line here plus its handler class.
 *
 * <p>Invariant: keys are exactly the {@code op} strings written in the case files' metadata.
 */
public final class CaseHandlers {
    private CaseHandlers() {}

    public static Map<String, CaseHandler> all() {
        return Map.ofEntries(
                entry("conv2d", new Conv2dCase()),
                entry("layernorm", new LayerNormCase()),
                entry("gelu", new GeluCase()),
                entry("softmax_cross_entropy", new SoftmaxCrossEntropyCase()),
                entry("gumbel_softmax", new GumbelSoftmaxCase()),
                entry("attention.masked", new AttentionMaskedCase()),
                entry("attention.mask", new AttentionMaskCase()),
                entry("dvae.pixels", new DvaePixelsCase()),
                entry("dvae.encoder", new DvaeModelCases.Encoder()),
                entry("dvae.decoder", new DvaeModelCases.Decoder()),
                entry("adamw", new AdamwCase()),
                entry("powersgd", new PowerSgdCase()),
                entry("bpe.gpt2", new BpeGpt2Case()));
    }
}
