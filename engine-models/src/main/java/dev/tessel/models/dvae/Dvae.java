// Dvae: the discrete VAE of DALL·E stage 1, encoder plus decoder, and the evidence lower bound
// it is trained on (DESIGN.md 3; paper section 2.1 and appendix A).
//
// Invariants: state-dict keys are "encoder." / "decoder." + the reference keys; images enter as
// [0,1] pixels and are map_pixels'd here, exactly once; every loss is normalised per value
// (divided by batch · channels · size², the paper's 256·256·3), so its scale does not depend on
// the image size or batch. The logits, the sample and the loss are fp32 whatever the precision
// policy: only the blocks' residual paths follow it (fp16 in mixed mode, DALL·E 2.4).
package dev.tessel.models.dvae;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.autograd.nn.Module;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Encoder and decoder of one {@link DvaeConfig}, and the training objective. */
public final class Dvae extends Module {
    private final DvaeConfig config;
    private final DvaeEncoder encoder;
    private final DvaeDecoder decoder;

    /** A freshly initialised model (reference init: conv weights N(0, 1/(in·k²)), biases 0), reproducible from {@code seed}. */
    public Dvae(DvaeConfig config, long seed) {
        this.config = config;
        SplittableRandom rng = new SplittableRandom(seed);
        this.encoder = registerModule("encoder", new DvaeEncoder(config, rng.split()));
        this.decoder = registerModule("decoder", new DvaeDecoder(config, rng.split()));
    }

    public DvaeConfig config() { return config; }

    public DvaeEncoder encoder() { return encoder; }

    public DvaeDecoder decoder() { return decoder; }

    /** The loss of one training step and its two parts, each per value (see the class invariant). */
    public record Elbo(Variable loss, double reconstructionNll, double kl) {}

    /**
     * The relaxed ELB loss of one batch: nll(x | decoder(gumbelSoftmax(logits, tau))) (the config's
     * likelihood) + klWeight ·
     * KL(q(z|x) || uniform), both summed over the batch and divided by its number of values.
     * The Gumbel noise is the Philox stream (noiseSeed, noiseOffset), so a step is reproducible.
     *
     * @param images [B, channels, S, S] F32 in [0, 1]
     */
    public Elbo relaxedElbo(Tensor images, double temperature, double klWeight, long noiseSeed, long noiseOffset) {
        return relaxedElbo(images, temperature, klWeight, noiseSeed, noiseOffset, false);
    }

    /** As above; with {@code straightThrough} the decoder gets one_hot(argmax y) + y - stopgrad(y) instead of y. */
    public Elbo relaxedElbo(Tensor images, double temperature, double klWeight, long noiseSeed, long noiseOffset, boolean straightThrough) {
        return relaxedElbo(images, temperature, klWeight, noiseSeed, noiseOffset, straightThrough, MixedPrecision.fp32());
    }

    /** As above, the blocks' residual paths in {@code policy}'s resblock dtype (fp16 when mixed). */
    public Elbo relaxedElbo(Tensor images, double temperature, double klWeight, long noiseSeed, long noiseOffset, boolean straightThrough,
                            MixedPrecision policy) {
        checkImages(images);
        Tensor x = mapPixels(images);
        Variable logits = encoder.forward(Variable.constant(x), policy);               // (B, V, g, g)
        Variable z = Functional.gumbelSoftmax(logits, noiseSeed, noiseOffset, temperature, 1, straightThrough);
        Variable stats = decoder.forward(z, policy);                                   // (B, 2C, S, S)
        int c = config.channels();
        Variable nll = config.likelihood().negativeLogLikelihoodSum(x, Ops.slice(stats, 1, 0, c), Ops.slice(stats, 1, c, 2 * c));
        Variable kl = klToUniform(logits);
        double values = (double) images.dim(0) * images.dim(1) * images.dim(2) * images.dim(3);
        Variable loss = Ops.mulScalar(Ops.add(nll, Ops.mulScalar(kl, klWeight)), 1 / values);
        return new Elbo(loss, nll.value().getDouble(0) / values, kl.value().getDouble(0) / values);
    }

    /** Philox counter blocks one step's Gumbel noise uses for a batch of {@code batch} images. */
    public long noiseBlocksPerStep(int batch) {
        return Philox.blocks((long) batch * config.vocabSize() * config.tokensPerImage());
    }

    /** Sum over the batch and the grid of KL(softmax(logits) || uniform over V) = Σ q (ln q + ln V), shape [1]. */
    static Variable klToUniform(Variable logits) {
        Variable logQ = Ops.logSoftmax(logits, 1);
        Variable q = Ops.exp(logQ);
        return Ops.sumAll(Ops.mul(q, Ops.addScalar(logQ, Math.log(logits.shape()[1]))));
    }

    /** map_pixels with DALL·E's eps: [0,1] -> (eps, 1-eps). */
    public static Tensor mapPixels(Tensor images) {
        return Autograd.currentBackend().mapPixels(images, Functional.LOGIT_LAPLACE_EPS);
    }

    /** Token ids (argmax of the logits, no noise, as DALL·E feeds stage 2): [B, C, S, S] in [0,1] -> I64 [B, g, g]. */
    public Tensor encodeTokens(Tensor images) {
        checkImages(images);
        try (var off = Autograd.noGrad()) {
            Tensor logits = encoder.forward(Variable.constant(mapPixels(images))).value();
            return Autograd.currentBackend().argmax(logits, 1);
        }
    }

    /** Reconstruction unmap(sigmoid(mu)) in [0,1] from codes z [B, V, g, g] (one-hot or relaxed). */
    public Tensor decodeCodes(Tensor z) {
        try (var off = Autograd.noGrad()) {
            Tensor stats = decoder.forward(Variable.constant(z)).value();
            return pixelsFromStats(stats);
        }
    }

    /** unmap(sigmoid(x_stats[:, :C])): the decoder's statistics as an image in [0,1]. */
    Tensor pixelsFromStats(Tensor stats) {
        Tensor mu = stats.slice(1, 0, config.channels());
        return Functional.unmapPixels(Autograd.currentBackend().unary(dev.tessel.kernels.UnaryOp.SIGMOID, mu), Functional.LOGIT_LAPLACE_EPS);
    }

    /** One-hot F32 codes [B, V, g, g] of token ids [B, g, g]. */
    public Tensor oneHotCodes(Tensor ids) {
        Tensor hot = Autograd.currentBackend().oneHot(ids, config.vocabSize(), DType.F32);  // (B, g, g, V)
        return hot.permute(0, 3, 1, 2).contiguous();
    }

    private void checkImages(Tensor images) {
        int s = config.imageSize();
        if (images.rank() != 4 || images.dim(1) != config.channels() || images.dim(2) != s || images.dim(3) != s
                || images.dtype() != DType.F32) {
            throw new IllegalArgumentException("Dvae: images " + images.dtype() + Arrays.toString(images.shape().toArray())
                    + " must be F32 [B, " + config.channels() + ", " + s + ", " + s + "] with values in [0, 1]");
        }
    }
}
