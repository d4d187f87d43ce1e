// DvaeEvaluation: the held-out numbers `./tessel dvae eval` prints: ELB in bits per dim, PSNR of
// the argmax-token reconstructions, codebook perplexity and usage.
//
// Invariants: nothing here trains or records a graph; the categorical sample of the ELB uses the
// Philox stream (seed, running offset), so the same model, images and seed give the same numbers.
package dev.tessel.models.dvae;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;

/**
 * Metrics of a dVAE on held-out images.
 *
 * <ul>
 * <li>{@code elbBitsPerDim}: -ELB / (values · ln 2), with ELB = E_q[ln p(x|z)] - KL(q || uniform),
 *   z one categorical sample per cell (Gumbel-max) and p the config's likelihood (logit-Laplace or Gaussian) of the pixel
 *   in [0,1] (the map_pixels Jacobian ln(1-2eps) included). It is a continuous density, so it
 *   can be negative; add 8 for the bits/dim of 8-bit pixels dequantised uniformly.</li>
 * <li>{@code psnrDb}: 10·log10(1 / MSE), MSE over every value of every image, of the
 *   reconstruction decode(argmax tokens) against the original, pixels in [0,1].</li>
 * <li>{@code codebookPerplexity}: exp of the entropy of the average token-usage distribution
 *   (argmax tokens over all cells of all images); {@code codebookUsed}: codes used at least once.</li>
 * </ul>
 */
public record DvaeEvaluation(double elbBitsPerDim, double psnrDb, double codebookPerplexity, int codebookUsed, int vocabSize,
                             long images) {

    /** Evaluates {@code model} on {@code images} [N, C, S, S] F32 in [0,1], {@code batch} at a time. */
    public static DvaeEvaluation of(Dvae model, Tensor images, int batch, long seed) {
        DvaeConfig config = model.config();
        int n = images.dim(0);
        long[] counts = new long[config.vocabSize()];
        double squaredError = 0, negElbNats = 0;
        long offset = 0;
        Backend be = Autograd.currentBackend();
        try (var off = Autograd.noGrad()) {
            for (int start = 0; start < n; start += batch) {
                Tensor x01 = images.slice(0, start, Math.min(n, start + batch)).contiguous();
                Tensor x = Dvae.mapPixels(x01);
                Variable logits = model.encoder().forward(Variable.constant(x));              // (B, V, g, g)
                Tensor ids = be.argmax(logits.value(), 1);                                    // (B, g, g)
                for (long i = 0; i < ids.numel(); i++) counts[(int) ids.getLong(i)]++;
                Tensor reconstruction = model.decodeCodes(model.oneHotCodes(ids));
                squaredError += sumSquaredDifference(reconstruction, x01);

                Tensor u = Functional.gumbelNoise(logits.value(), seed, offset);
                offset += Philox.blocks(u.numel());
                Tensor sample = be.argmaxOneHot(be.gumbelSoftmax(logits.value(), u, 1.0, 1), 1);
                Tensor stats = model.decoder().forward(Variable.constant(sample)).value();
                int c = config.channels();
                double nll = config.likelihood().negativeLogLikelihoodSum(x, Variable.constant(stats.slice(1, 0, c)),
                        Variable.constant(stats.slice(1, c, 2 * c))).value().getDouble(0);
                double values = x.numel();
                negElbNats += nll + values * Math.log(1 - 2 * Functional.LOGIT_LAPLACE_EPS)
                        + Dvae.klToUniform(logits).value().getDouble(0);
            }
        }
        double totalValues = (double) n * config.valuesPerImage();
        double mse = squaredError / totalValues;
        return new DvaeEvaluation(negElbNats / (totalValues * Math.log(2)), 10 * Math.log10(1 / mse), perplexity(counts),
                used(counts), config.vocabSize(), n);
    }

    /** exp(entropy) of the normalised counts: the number of equally used codes with the same entropy. */
    public static double perplexity(long[] counts) {
        long total = 0;
        for (long c : counts) total += c;
        double entropy = 0;
        for (long c : counts) {
            if (c == 0) continue;
            double p = (double) c / total;
            entropy -= p * Math.log(p);
        }
        return Math.exp(entropy);
    }

    /** Codes counted at least once. */
    public static int used(long[] counts) {
        int u = 0;
        for (long c : counts) if (c > 0) u++;
        return u;
    }

    private static double sumSquaredDifference(Tensor a, Tensor b) {
        double s = 0;
        for (long i = 0, n = a.numel(); i < n; i++) {
            double d = a.getDouble(i) - b.getDouble(i);
            s += d * d;
        }
        return s;
    }

    /** The four lines eval prints last, in this order. */
    public String report() {
        return String.format(java.util.Locale.ROOT, "elb_bits_per_dim: %.4f%npsnr_db: %.2f%ncodebook_perplexity: %.1f%ncodebook_used: %d/%d",
                elbBitsPerDim, psnrDb, codebookPerplexity, codebookUsed, vocabSize);
    }
}
