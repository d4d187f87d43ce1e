// TransformerConfig: every size of the text-to-image transformer (DESIGN.md 3, stage 2), and the
// named presets tiny (tests), small (the demo) and 2.8b, 5.6b, 12b (the paper's Table 1 sizes).
//
// Invariants: the stream is textLength text positions (position 0 holds the start token) followed
// by grid x grid image positions in raster order, so sequenceLength() = textLength + grid²; the
// text vocabulary of the embedding and of the text logits is textVocab BPE ids plus textLength
// per-position padding ids (id textVocab + i pads position i; id textVocab + 0 is the start token,
// since position 0 is never padding). A config is an immutable value: every part is sized from it.
package dev.tessel.models.transformer;

import java.util.Locale;

/** Sizes of a {@link TextToImageTransformer}. */
public record TransformerConfig(
        int layers, int dModel, int heads,
        int textLength, int textVocab,
        int grid, int imageVocab,
        int convKernel) {

    /** Names accepted by {@link #preset(String)}. */
    public static final String PRESETS = "tiny, compact, small, 2.8b, 5.6b, 12b";

    public TransformerConfig {
        if (layers < 1 || dModel < 1 || heads < 1 || dModel % heads != 0) {
            throw new IllegalArgumentException("TransformerConfig: need layers >= 1 and d_model divisible by heads, got layers " + layers
                    + ", d_model " + dModel + ", heads " + heads);
        }
        if (textLength < 2 || textVocab < 1 || grid < 1 || imageVocab < 1) {
            throw new IllegalArgumentException("TransformerConfig: need text length >= 2 (start token + at least one caption token), "
                    + "positive vocabularies and grid; got text length " + textLength + ", text vocab " + textVocab + ", grid " + grid
                    + ", image vocab " + imageVocab);
        }
        if (convKernel < 1 || convKernel % 2 == 0) throw new IllegalArgumentException("TransformerConfig: the convolutional kernel must be odd, got " + convKernel);
    }

    /** tiny: 3 layers (row, column, conv), d=32, 4 heads, 8 text + 4x4 image tokens; for tests. */
    public static TransformerConfig tiny() { return new TransformerConfig(3, 32, 4, 8, 64, 4, 32, 3); }

    /**
     * compact: what ./tessel demo trains (DemoConfig.demo()): 4 layers, d=128, 4 heads of 32, 16 text
     * + 8x8 image tokens, the clamped 11x11 convolution; about 8x cheaper per step than small, for
     * runs of minutes on two cores.
     */
    public static TransformerConfig compact() { return new TransformerConfig(4, 128, 4, 16, 512, 8, 512, 11); }

    /**
     * small: 8 layers, d=256, 8 heads of 32, 32 text + 8x8 image tokens, the 11x11
     * convolution (clamped at the 8x8 border) and vocabularies of 512 BPE ids and 512 dVAE codes,
     * which is what a dVAE on 32x32 shapes images with an 8x8 grid gives.
     */
    public static TransformerConfig small() { return new TransformerConfig(8, 256, 8, 32, 512, 8, 512, 11); }

    /** 12b: the paper's model: 64 layers, d=3968, 62 heads of 64, 256 text + 32x32 image tokens, vocabularies 16384 + 8192. */
    public static TransformerConfig dalle12b() { return new TransformerConfig(64, 3968, 62, 256, 16384, 32, 8192, 11); }

    /** 2.8b: the paper's Table 1 smallest size: 64 layers, d=1920 (30 heads of 64), the 12b model's stream and vocabularies. */
    public static TransformerConfig dalle2p8b() { return new TransformerConfig(64, 1920, 30, 256, 16384, 32, 8192, 11); }

    /** 5.6b: the paper's Table 1 middle size: 64 layers, d=2688 (42 heads of 64), the 12b model's stream and vocabularies. */
    public static TransformerConfig dalle5p6b() { return new TransformerConfig(64, 2688, 42, 256, 16384, 32, 8192, 11); }

    public static TransformerConfig preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> tiny();
            case "compact" -> compact();
            case "small" -> small();
            case "2.8b" -> dalle2p8b();
            case "5.6b" -> dalle5p6b();
            case "12b" -> dalle12b();
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; expected one of " + PRESETS);
        };
    }

    /** The same model with other vocabularies (a trained BPE and dVAE fix them). */
    public TransformerConfig withVocabularies(int textVocabSize, int imageVocabSize) {
        return new TransformerConfig(layers, dModel, heads, textLength, textVocabSize, grid, imageVocabSize, convKernel);
    }

    public int headDim() { return dModel / heads; }

    public int imageTokens() { return grid * grid; }

    public int sequenceLength() { return textLength + imageTokens(); }

    /** Rows of the text embedding and columns of the text logits: BPE ids + one padding id per text position. */
    public int textTableRows() { return textVocab + textLength; }

    /** The padding id of text position {@code position}; position 0's is the start token. */
    public int paddingId(int position) { return textVocab + position; }

    /** The id at text position 0. */
    public int startId() { return paddingId(0); }

    /** Caption tokens that fit after the start token. */
    public int captionRoom() { return textLength - 1; }

    /** Resblocks: one attention and one MLP per layer. */
    public int resblocks() { return 2 * layers; }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d layers, d=%d, %d heads of %d, %d text + %dx%d image tokens, vocabularies %d + %d, conv %dx%d",
                layers, dModel, heads, headDim(), textLength, grid, grid, textVocab, imageVocab, convKernel, convKernel);
    }
}
