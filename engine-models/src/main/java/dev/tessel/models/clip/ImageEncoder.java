// ImageEncoder: the reranker's image tower: conv stages, then one linear layer to the joint space;
// with a separate colour tower (ClipConfig.separateColour), the conv stages read a colour-free ink
// map and 1x1 convs read the colours, and the linear layer adds the two.
//
// Invariant: input pixels are in [0, 1], NCHW, of the configured size and channels; the output
// is not normalised (ClipModel normalises both towers the same way). The ink map is computed from
// the pixels as data: images are never trained through, so it carries no gradient.
package dev.tessel.models.clip;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Conv2d;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/** images [B, C, S, S] -> features [B, embedDim]. */
public final class ImageEncoder extends Module {
    /**
     * Ink rises from 0 to 1 as a pixel's RGB distance from the background goes from 0.1 to 0.3: the
     * palette's colours are all at least 0.45 from the background (ShapeColor), so every object
     * pixel of a crisp drawing has ink 1 whatever its colour, and the dVAE's faint background noise
     * stays near 0.
     */
    static final double INK_FROM = 0.1, INK_FULL = 0.3;

    private final ClipConfig config;
    private final List<Conv2d> convs = new ArrayList<>();
    private final List<Conv2d> colourConvs = new ArrayList<>();
    private final Linear proj;

    public ImageEncoder(ClipConfig config, RandomGenerator rng) {
        this.config = config;
        int channels = stack(convs, "conv_", config.separateColour() ? 1 : config.imageChannels(), 3, rng);
        if (config.separateColour()) stack(colourConvs, "colour_", config.imageChannels(), 1, rng);
        int side = config.featureSide();
        int towers = config.separateColour() ? 2 : 1;
        this.proj = registerModule("proj", new Linear(towers * channels * side * side, config.embedDim(), rng));
    }

    /** Registers convStages convs of widths convWidth, 2 convWidth, ... into {@code into}; returns the last width. */
    private int stack(List<Conv2d> into, String prefix, int in, int kernel, RandomGenerator rng) {
        for (int s = 0; s < config.convStages(); s++) {
            int out = config.convWidth() << s;
            into.add(registerModule(prefix + (s + 1), new Conv2d(in, out, kernel, rng)));
            in = out;
        }
        return in;
    }

    public Variable forward(Variable images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != config.imageChannels() || s[2] != config.imageSize() || s[3] != config.imageSize()) {
            throw new IllegalArgumentException("ImageEncoder: images " + Arrays.toString(s) + " must be [B, "
                    + config.imageChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "]");
        }
        // centre the pixels so the first conv sees zero-mean input
        Variable pixels = Ops.addScalar(images, -0.5);
        if (!config.separateColour()) return proj.forward(Ops.reshape(stages(convs, pixels), s[0], -1));  // (B, embedDim)
        Variable ink = Ops.addScalar(Variable.constant(inkMap(images.value())), -0.5);                    // (B, 1, S, S)
        Variable outline = Ops.reshape(stages(convs, ink), s[0], -1);                                      // where each shape is, not its colour
        Variable colour = Ops.reshape(stages(colourConvs, pixels), s[0], -1);                              // which colour is where, no outline
        return proj.forward(Ops.concat(List.of(outline, colour), 1));                                      // (B, embedDim)
    }

    /** conv, relu, max-pool 2 per stage: (B, C, S, S) -> (B, C', S / 2^stages, S / 2^stages). */
    private static Variable stages(List<Conv2d> stages, Variable h) {
        for (Conv2d conv : stages) h = Ops.maxPool2x2(Ops.relu(conv.forward(h)));
        return h;
    }

    /**
     * [B, 3, S, S] -> [B, 1, S, S]: each pixel's RGB distance from its image's background (the
     * per-channel median: a shapes image's objects cover at most a third of it), mapped to [0, 1] by
     * {@link #INK_FROM} and {@link #INK_FULL}. The same for a shape in any colour.
     */
    static Tensor inkMap(Tensor images) {
        int b = images.dim(0), c = images.dim(1), plane = images.dim(2) * images.dim(3);
        float[] px = images.toFloatArray();
        float[] ink = new float[b * plane];
        float[] sorted = new float[plane];
        double[] background = new double[c];
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                System.arraycopy(px, (n * c + ch) * plane, sorted, 0, plane);
                Arrays.sort(sorted);
                background[ch] = sorted[plane / 2];
            }
            for (int i = 0; i < plane; i++) {
                double d2 = 0;
                for (int ch = 0; ch < c; ch++) {
                    double d = px[(n * c + ch) * plane + i] - background[ch];
                    d2 += d * d;
                }
                ink[n * plane + i] = (float) Math.min(1, Math.max(0, (Math.sqrt(d2) - INK_FROM) / (INK_FULL - INK_FROM)));
            }
        }
        return Tensor.of(ink, b, 1, images.dim(2), images.dim(3));
    }
}
