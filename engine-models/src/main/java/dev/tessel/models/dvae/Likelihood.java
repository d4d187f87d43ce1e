// Likelihood: how the decoder's statistics score an image, p(x | z) in the ELB.
//
// Invariant: both read the same decoder output (mu in channels [0, C), ln b in [C, 2C)) and both
// reconstruct as unmap(sigmoid(mu)), so the architecture and the checkpoint layout do not depend
// on the choice; only the loss and the ELB do.
package dev.tessel.models.dvae;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.tensor.Tensor;

/**
 * The reconstruction term of the dVAE objective.
 *
 * <ul>
 * <li>{@link #LOGIT_LAPLACE}: the paper's (section A.3): ln f = -ln(2b) - ln x - ln(1-x) - |logit(x) - mu| / b
 *   on mapped pixels, with a learned scale b per value.</li>
 * <li>{@link #GAUSSIAN}: a normal density of fixed standard deviation {@link #GAUSSIAN_SIGMA} (in [0,1]
 *   pixel units) around sigmoid(mu), on mapped pixels; ln b is unused. Measured on `shapes`
 *   (docs/results.md, dVAE section, with a PyTorch replica of the same model and schedules):
 *   in a few thousand updates the logit-Laplace model stays at the background-only
 *   reconstruction (~16-17 dB) — its L1 form predicts the per-pixel median, which is the
 *   background until an object's position is already certain, while a learned tiny b on the
 *   background keeps lowering the loss — whereas this one reaches ~21 dB in 800 updates. The
 *   paper's 3M updates escape that trap; a 20-minute CPU run does not.</li>
 * </ul>
 */
public enum Likelihood {
    LOGIT_LAPLACE("logit_laplace"),
    GAUSSIAN("gaussian");

    /** Standard deviation of {@link #GAUSSIAN} in [0,1] pixel units (one tenth of the range). */
    public static final double GAUSSIAN_SIGMA = 0.1;

    private final String key;

    Likelihood(String key) { this.key = key; }

    /**
     * The final weight of the KL term (KL to the uniform prior, per value, like the likelihood)
     * that goes with this likelihood. LOGIT_LAPLACE: the paper's 6.6. GAUSSIAN: 1. The two losses
     * are on different scales: with sigma 0.1 the Gaussian's gain from sharpening an edge is small
     * per value, and at 6.6 the KL (up to 64 · ln 512 / 3072 = 0.13 per value on the tiny preset,
     * times 6.6) outweighs it, so the encoder keeps its codes vague and the decoder draws every
     * small object as a blob. Measured on `shapes`, tiny preset, 1,000 updates of 32 images
     * (docs/results.md, "The KL weight and the batch for a few minutes of training"): the exact
     * reader matched 0.28 of the reconstructions at 6.6, 0.39 at 1, 0.35 at 0.3, and 0.38 at 0
     * with the codebook collapsed to 15 codes.
     */
    public double defaultKlWeight() { return this == LOGIT_LAPLACE ? 6.6 : 1.0; }

    /** The name in checkpoint metadata and on the command line. */
    public String key() { return key; }

    public static Likelihood parse(String key, String source) {
        for (Likelihood l : values()) if (l.key.equals(key) || l.key.replace('_', '-').equals(key)) return l;
        throw new IllegalArgumentException(source + ": unknown dVAE likelihood '" + key + "', expected logit-laplace or gaussian");
    }

    /**
     * -ln p(x | stats) summed over every value, shape [1], differentiable in {@code mu} and {@code lnB}.
     *
     * @param x   mapped pixels (eps, 1-eps)
     * @param mu  decoder channels [0, C)
     * @param lnB decoder channels [C, 2C) (unused by GAUSSIAN)
     */
    public Variable negativeLogLikelihoodSum(Tensor x, Variable mu, Variable lnB) {
        if (this == LOGIT_LAPLACE) return Functional.logitLaplaceNllSum(x, mu, lnB);
        // sigma on mapped pixels: map_pixels scales [0,1] by (1 - 2 eps)
        double sigma = GAUSSIAN_SIGMA * (1 - 2 * Functional.LOGIT_LAPLACE_EPS);
        Variable error = Ops.sub(Ops.sigmoid(mu), Variable.constant(x));
        double perValue = Math.log(sigma * Math.sqrt(2 * Math.PI));
        return Ops.addScalar(Ops.mulScalar(Ops.sumAll(Ops.square(error)), 1 / (2 * sigma * sigma)), perValue * x.numel());
    }
}
