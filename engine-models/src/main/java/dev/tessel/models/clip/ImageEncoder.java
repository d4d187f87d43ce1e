// ImageEncoder: the reranker's image tower: conv stages, then one linear layer to the joint space.
//
// Invariant: input pixels are in [0, 1], NCHW, of the configured size and channels; the output
// is not normalised (ClipModel normalises both towers the same way).
package dev.tessel.models.clip;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Conv2d;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** images [B, C, S, S] -> features [B, embedDim]. */
public final class ImageEncoder extends Module {
    private final ClipConfig config;
    private final List<Conv2d> convs = new ArrayList<>();
    private final Linear proj;

    public ImageEncoder(ClipConfig config, RandomGenerator rng) {
        this.config = config;
        int in = config.imageChannels();
        for (int s = 0; s < config.convStages(); s++) {
            int out = config.convWidth() << s;
            convs.add(registerModule("conv_" + (s + 1), new Conv2d(in, out, 3, rng)));
            in = out;
        }
        int side = config.featureSide();
        this.proj = registerModule("proj", new Linear(in * side * side, config.embedDim(), rng));
    }

    public Variable forward(Variable images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != config.imageChannels() || s[2] != config.imageSize() || s[3] != config.imageSize()) {
            throw new IllegalArgumentException("ImageEncoder: images " + java.util.Arrays.toString(s) + " must be [B, "
                    + config.imageChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "]");
        }
        // centre the pixels so the first conv sees zero-mean input
        Variable h = Ops.addScalar(images, -0.5);
        for (Conv2d conv : convs) h = Ops.maxPool2x2(Ops.relu(conv.forward(h)));   // (B, C', S/2, S/2)
        return proj.forward(Ops.reshape(h, s[0], -1));                               // (B, embedDim)
    }
}
