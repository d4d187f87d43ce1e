// DvaeConfig: every size of a dVAE (openai/DALL-E encoder.py / decoder.py attrs), its presets and
// its round trip through checkpoint metadata.
//
// Invariant: a config that constructs is consistent: the image side is divisible by the total
// downsampling 2^(groupCount-1), widths divide by 4 (the blocks' bottleneck is width/4), and
// toMetadata/fromMetadata is an exact round trip, so a checkpoint always rebuilds its own model.
package dev.tessel.models.dvae;

import dev.tessel.tensor.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The architecture of a dVAE (DESIGN.md 3): encoder and decoder share every field.
 *
 * @param imageSize      side of the square input image (256 in DALL·E)
 * @param channels       image channels, 1 or 3
 * @param groupCount     groups of residual blocks; groups 1..G-1 end with a 2x resampling
 * @param blocksPerGroup residual blocks per group (reference n_blk_per_group)
 * @param nHid           width of the first encoder group (reference n_hid); group g has nHid·2^(g-1)
 * @param nInit          width of the decoder's input 1x1 conv (reference n_init)
 * @param vocabSize      number of discrete codes
 * @param likelihood     how the decoder's output scores an image (the paper's logit-Laplace, or a fixed Gaussian)
 */
public record DvaeConfig(int imageSize, int channels, int groupCount, int blocksPerGroup, int nHid, int nInit, int vocabSize,
                         Likelihood likelihood) implements java.io.Serializable {
    /** A config with the paper's logit-Laplace likelihood. */
    public DvaeConfig(int imageSize, int channels, int groupCount, int blocksPerGroup, int nHid, int nInit, int vocabSize) {
        this(imageSize, channels, groupCount, blocksPerGroup, nHid, nInit, vocabSize, Likelihood.LOGIT_LAPLACE);
    }

    public DvaeConfig {
        java.util.Objects.requireNonNull(likelihood, "likelihood");
        String what = "DvaeConfig(imageSize " + imageSize + ", channels " + channels + ", groupCount " + groupCount
                + ", blocksPerGroup " + blocksPerGroup + ", nHid " + nHid + ", nInit " + nInit + ", vocabSize " + vocabSize + ")";
        if (channels != 1 && channels != 3) throw new IllegalArgumentException(what + ": channels must be 1 or 3");
        if (groupCount < 1 || groupCount > 8 || blocksPerGroup < 1 || nInit < 1 || vocabSize < 2) {
            throw new IllegalArgumentException(what + ": need 1 <= groupCount <= 8, blocksPerGroup >= 1, nInit >= 1, vocabSize >= 2");
        }
        if (nHid < 4 || nHid % 4 != 0) throw new IllegalArgumentException(what + ": nHid must be a positive multiple of 4 (blocks use width/4)");
        int factor = 1 << (groupCount - 1);
        if (imageSize < factor || imageSize % factor != 0) {
            throw new IllegalArgumentException(what + ": imageSize must be a multiple of the downsampling 2^(groupCount-1) = " + factor);
        }
    }

    /** DALL·E's dVAE: 256x256 RGB -> 32x32 tokens of 8192, n_hid 256, 4 groups of 2 blocks. */
    public static DvaeConfig paper() { return new DvaeConfig(256, 3, 4, 2, 256, 128, 8192); }

    /**
     * The small model trained on 2 shared CPU cores: 32x32 RGB -> 8x8 tokens of 512 (3 groups, so
     * each token covers a 4x4 patch), n_hid 16 (widths 16, 32, 64; bottlenecks 4, 8, 16), 1 block
     * per group, n_init 32: 93k parameters. n_hid 32 (266k parameters) cost about 2.5x more per
     * step on the shared machine (docs/performance.md), too much for a 20-minute budget. Scored by
     * the fixed {@link Likelihood#GAUSSIAN}: at this run length the logit-Laplace model does not get
     * past the background (see {@link Likelihood}).
     */
    public static DvaeConfig tiny() { return new DvaeConfig(32, 3, 3, 1, 16, 32, 512, Likelihood.GAUSSIAN); }

    /** The same architecture for images of another channel count. */
    public DvaeConfig withChannels(int c) { return new DvaeConfig(imageSize, c, groupCount, blocksPerGroup, nHid, nInit, vocabSize, likelihood); }

    /** The same architecture scored by another likelihood. */
    public DvaeConfig withLikelihood(Likelihood l) { return new DvaeConfig(imageSize, channels, groupCount, blocksPerGroup, nHid, nInit, vocabSize, l); }

    /** Side of the token grid: imageSize / 2^(groupCount-1). */
    public int gridSize() { return imageSize >> (groupCount - 1); }

    /** Tokens per image: gridSize². */
    public int tokensPerImage() { return gridSize() * gridSize(); }

    /** Values per image: channels · imageSize² (the paper divides its loss by this). */
    public int valuesPerImage() { return channels * imageSize * imageSize; }

    /** Width of encoder group g (1-based): nHid·2^(g-1); the decoder runs the same widths in reverse order. */
    public int groupWidth(int g) { return nHid << (g - 1); }

    /** The blocks' residual scale 1/(groupCount·blocksPerGroup)² (reference post_gain). */
    public double postGain() {
        double layers = (double) groupCount * blocksPerGroup;
        return 1 / (layers * layers);
    }

    /** The config as one JSON string, for checkpoint metadata. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image_size", imageSize);
        m.put("channels", channels);
        m.put("group_count", groupCount);
        m.put("n_blk_per_group", blocksPerGroup);
        m.put("n_hid", nHid);
        m.put("n_init", nInit);
        m.put("vocab_size", vocabSize);
        m.put("likelihood", likelihood.key());
        return Json.write(m);
    }

    /** Parses what {@link #toJson()} wrote; {@code source} names the file in errors. */
    public static DvaeConfig fromJson(String json, String source) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": dVAE config is not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> m)) throw new IllegalArgumentException(source + ": dVAE config must be a JSON object, got " + json);
        return new DvaeConfig(field(m, "image_size", source), field(m, "channels", source), field(m, "group_count", source),
                field(m, "n_blk_per_group", source), field(m, "n_hid", source), field(m, "n_init", source), field(m, "vocab_size", source),
                // checkpoints written before the choice existed are logit-Laplace
                m.get("likelihood") == null ? Likelihood.LOGIT_LAPLACE : Likelihood.parse(String.valueOf(m.get("likelihood")), source));
    }

    private static int field(Map<?, ?> m, String key, String source) {
        if (m.get(key) instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.intValue();
        throw new IllegalArgumentException(source + ": dVAE config needs an integer '" + key + "', has " + m.get(key));
    }
}
