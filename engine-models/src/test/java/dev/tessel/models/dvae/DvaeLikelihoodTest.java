package dev.tessel.models.dvae;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The Gaussian reconstruction term against its formula, and the likelihood's trip through checkpoint metadata. */
class DvaeLikelihoodTest {
    private static final double EPS = Functional.LOGIT_LAPLACE_EPS;

    @Test
    void gaussianNllAndGradientMatchTheFormula() {
        double[] pixels = {0.0, 0.25, 0.5, 0.9, 1.0, 0.33};
        double[] mus = {-1.5, 0.3, 0.0, 2.0, -0.7, 4.0};
        double[] mapped = new double[pixels.length];
        for (int i = 0; i < pixels.length; i++) mapped[i] = (1 - 2 * EPS) * pixels[i] + EPS;
        Variable mu = Variable.parameter(Tensor.of(mus, 1, 1, 2, 3));
        Variable lnB = Variable.parameter(Tensor.of(new double[6], 1, 1, 2, 3));
        Variable nll = Likelihood.GAUSSIAN.negativeLogLikelihoodSum(Tensor.of(mapped, 1, 1, 2, 3), mu, lnB);
        nll.backward();

        double sigma = Likelihood.GAUSSIAN_SIGMA * (1 - 2 * EPS), expected = 0;
        for (int i = 0; i < mus.length; i++) {
            double s = 1 / (1 + Math.exp(-mus[i])), d = s - mapped[i];
            expected += d * d / (2 * sigma * sigma) + Math.log(sigma * Math.sqrt(2 * Math.PI));
            // d/dmu of (s - x)^2 / (2 sigma^2) = (s - x) s (1 - s) / sigma^2
            assertEquals(d * s * (1 - s) / (sigma * sigma), mu.grad().getDouble(i), 1e-9, "d nll / d mu[" + i + "]");
        }
        assertEquals(expected, nll.value().getDouble(0), 1e-9);
    }

    @Test
    void likelihoodRoundTripsThroughTheConfigJsonAndOldCheckpointsStayLogitLaplace() {
        DvaeConfig gaussian = DvaeConfig.tiny();
        assertEquals(Likelihood.GAUSSIAN, gaussian.likelihood());
        assertEquals(gaussian, DvaeConfig.fromJson(gaussian.toJson(), "test"));
        DvaeConfig paper = DvaeConfig.paper();
        assertEquals(Likelihood.LOGIT_LAPLACE, paper.likelihood());
        assertEquals(paper, DvaeConfig.fromJson(paper.toJson(), "test"));
        String old = "{\"image_size\": 32, \"channels\": 3, \"group_count\": 3, \"n_blk_per_group\": 1, \"n_hid\": 16, \"n_init\": 32, \"vocab_size\": 512}";
        assertEquals(Likelihood.LOGIT_LAPLACE, DvaeConfig.fromJson(old, "old").likelihood());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DvaeConfig.fromJson(old.replace("}", ", \"likelihood\": \"poisson\"}"), "bad.safetensors"));
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("poisson") && e.getMessage().contains("gaussian"), e.getMessage());
    }
}
