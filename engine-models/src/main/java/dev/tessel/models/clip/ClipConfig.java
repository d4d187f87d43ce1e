// ClipConfig: the sizes of the contrastive reranker, its named presets, and their JSON form
// (stored in every checkpoint so a checkpoint always rebuilds the model that wrote it).
//
// Invariant: every field is positive; imageSize is divisible by 2^convStages (each stage halves
// the side); textWidth is divisible by textHeads. A change of any field is a different model.
package dev.tessel.models.clip;

import dev.tessel.tensor.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sizes of the reranker. The image encoder is {@code convStages} x (conv3x3, relu, max-pool 2)
 * with widths convWidth, 2 convWidth, 4 convWidth, ..., then a linear layer from the flattened
 * map (so where a shape sits survives: spatial relations need it); the text encoder is a
 * {@code textLayers}-layer causal pre-LayerNorm transformer read at the end token.
 *
 * <p>With {@code separateColour} (3-channel images only) the image encoder has two towers whose
 * features are added by the last linear layer: the conv stages above on a colour-free "ink" map
 * (how far each pixel is from the background), and a colour tower of 1x1 convs that sees each
 * pixel's colour but no outline. A shape is then encoded the same way in every colour, so a
 * colour-shape pair training never showed still reads as its shape (ImageEncoder).
 */
public record ClipConfig(int imageSize, int imageChannels, int convWidth, int convStages,
                         int textContext, int textWidth, int textLayers, int textHeads, int embedDim, boolean separateColour) {
    public ClipConfig {
        int[] all = {imageSize, imageChannels, convWidth, convStages, textContext, textWidth, textLayers, textHeads, embedDim};
        for (int v : all) if (v <= 0) throw new IllegalArgumentException("ClipConfig: every size must be positive, got " + describe(all));
        if (imageSize % (1 << convStages) != 0) {
            throw new IllegalArgumentException("ClipConfig: image size " + imageSize + " must be divisible by 2^" + convStages
                    + " (each of the " + convStages + " conv stages halves it)");
        }
        if (textWidth % textHeads != 0) {
            throw new IllegalArgumentException("ClipConfig: text width " + textWidth + " must be divisible by the " + textHeads + " heads");
        }
        if (separateColour && imageChannels != 3) {
            throw new IllegalArgumentException("ClipConfig: a separate colour tower needs 3-channel images, got " + imageChannels + " channel(s)");
        }
    }

    /** This config with the colour tower apart (or not). */
    public ClipConfig withSeparateColour(boolean separate) {
        return new ClipConfig(imageSize, imageChannels, convWidth, convStages, textContext, textWidth, textLayers, textHeads, embedDim, separate);
    }

    /** A named preset for images of {@code imageSize} x {@code imageSize} with {@code channels} channels, one image tower. */
    public static ClipConfig preset(String name, int imageSize, int channels, int textContext) {
        return switch (name) {
            case "tiny" -> new ClipConfig(imageSize, channels, 8, 2, textContext, 32, 1, 2, 32, false);
            case "small" -> new ClipConfig(imageSize, channels, 16, 3, textContext, 64, 2, 4, 64, false);
            default -> throw new IllegalArgumentException("ClipConfig: unknown preset '" + name + "'; expected tiny or small");
        };
    }

    /** Side of the feature map after the conv stages. */
    public int featureSide() { return imageSize >> convStages; }

    /** Channels after the last conv stage. */
    public int featureChannels() { return convWidth << (convStages - 1); }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image_size", imageSize);
        m.put("image_channels", imageChannels);
        m.put("conv_width", convWidth);
        m.put("conv_stages", convStages);
        m.put("text_context", textContext);
        m.put("text_width", textWidth);
        m.put("text_layers", textLayers);
        m.put("text_heads", textHeads);
        m.put("embed_dim", embedDim);
        if (separateColour) m.put("separate_colour", true);   // absent in older checkpoints: one tower
        return Json.write(m);
    }

    public static ClipConfig fromJson(String json) {
        if (!(Json.parse(json) instanceof Map<?, ?> m)) throw new IllegalArgumentException("ClipConfig: expected a JSON object, got " + json);
        return new ClipConfig(field(m, "image_size"), field(m, "image_channels"), field(m, "conv_width"), field(m, "conv_stages"),
                field(m, "text_context"), field(m, "text_width"), field(m, "text_layers"), field(m, "text_heads"), field(m, "embed_dim"),
                Boolean.TRUE.equals(m.get("separate_colour")));
    }

    private static int field(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof Long v)) throw new IllegalArgumentException("ClipConfig: JSON field '" + key + "' missing or not an integer in " + m);
        return Math.toIntExact(v);
    }

    private static String describe(int[] v) { return java.util.Arrays.toString(v); }
}
