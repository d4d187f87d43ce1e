// PriorStepModel: the training step of the DALL·E transformer itself (a TransformerConfig
// preset, e.g. small) on a fixed random batch, for `bench prior-step`; prior_peer.py builds the
// same network in PyTorch.
//
// Invariant: the work is TextToImageTransformer.loss as prior train runs it, minus activation
// checkpointing (the peer recomputes nothing either): full text rows (start token + caption ids)
// and image ids drawn once from the seed, fp32.
package dev.tessel.bench.train;

import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Module;
import dev.tessel.models.transformer.TextToImageTransformer;
import dev.tessel.models.transformer.TransformerConfig;
import dev.tessel.tensor.Tensor;
import java.util.SplittableRandom;

/** The text-to-image transformer's loss on one fixed batch. */
public final class PriorStepModel implements StepModel {
    private final TextToImageTransformer model;
    private final Tensor text, image;

    public PriorStepModel(TransformerConfig config, int batch, long seed) {
        model = new TextToImageTransformer(config, seed);
        SplittableRandom rng = new SplittableRandom(seed);
        long[] textIds = new long[batch * config.textLength()], imageIds = new long[batch * config.imageTokens()];
        for (int b = 0; b < batch; b++) {
            textIds[b * config.textLength()] = config.startId();
            for (int i = 1; i < config.textLength(); i++) textIds[b * config.textLength() + i] = rng.nextInt(config.textVocab());
        }
        for (int i = 0; i < imageIds.length; i++) imageIds[i] = rng.nextInt(config.imageVocab());
        text = Tensor.ofLongs(textIds, batch, config.textLength());
        image = Tensor.ofLongs(imageIds, batch, config.imageTokens());
    }

    @Override public Variable loss() { return model.loss(text, image, false).total(); }

    @Override public Module module() { return model; }
}
