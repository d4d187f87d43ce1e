// ImageSamplerTest: sampling is reproducible from its seed, top-k 1 is greedy decoding, image
// completion keeps the given tokens, and bad options are refused with the reason.
package dev.tessel.models.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.autograd.Autograd;
import dev.tessel.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageSamplerTest {
    private static final TransformerConfig TINY = TransformerConfig.tiny();
    private static final TextToImageTransformer MODEL = new TextToImageTransformer(TINY, 21);
    private static final int[] CAPTION = {3, 1, 4};

    @Test
    void oneSeedGivesOneSetOfImages() {
        ImageSampler.Options options = ImageSampler.Options.defaults().withCandidates(3).withSeed(42);
        int[][] a = ImageSampler.sample(MODEL, CAPTION, options), b = ImageSampler.sample(MODEL, CAPTION, options);
        assertEquals(3, a.length);
        for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i]);
        int[][] c = ImageSampler.sample(MODEL, CAPTION, options.withSeed(43));
        assertFalse(Arrays.deepEquals(a, c), "another seed should draw other tokens from a near-uniform untrained model");
        for (int[] grid : a) for (int t : grid) assertTrue(t >= 0 && t < TINY.imageVocab());
    }

    @Test
    void descendingOrderIsTheStableSortByScore() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        double[] specials = {0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Double.MIN_VALUE, -Double.MIN_VALUE};
        for (int trial = 0; trial < 200; trial++) {
            double[] scores = new double[1 + rng.nextInt(600)];
            for (int i = 0; i < scores.length; i++) {
                double r = rng.nextDouble();
                // many ties (a few distinct values), some specials, the rest spread out
                scores[i] = r < 0.3 ? rng.nextInt(4) - 2 : r < 0.4 ? specials[rng.nextInt(specials.length)] : rng.nextGaussian() * 10;
            }
            Integer[] boxed = new Integer[scores.length];
            for (int i = 0; i < boxed.length; i++) boxed[i] = i;
            Arrays.sort(boxed, (x, y) -> Double.compare(scores[y], scores[x]));
            assertArrayEquals(Arrays.stream(boxed).mapToInt(Integer::intValue).toArray(), ImageSampler.descendingOrder(scores), "trial " + trial);
        }
    }

    @Test
    void topKOfOneIsGreedyDecoding() {
        ImageSampler.Options greedy = ImageSampler.Options.defaults().withTopK(1);
        int[] tokens = ImageSampler.sample(MODEL, CAPTION, greedy.withSeed(1))[0];
        assertArrayEquals(tokens, ImageSampler.sample(MODEL, CAPTION, greedy.withSeed(2))[0], "greedy decoding ignores the seed");
        // each greedy token is the argmax of the full forward pass given the tokens before it
        try (var off = Autograd.noGrad(); Tensor text = MODEL.textBatch(List.of(CAPTION));
             Tensor image = TextToImageTransformer.ids(new int[][] {tokens}, TINY.imageTokens())) {
            Tensor logits = MODEL.forward(text, image, false).image().value();
            for (int p = 0; p < tokens.length; p++) {
                int best = 0;
                for (int v = 1; v < TINY.imageVocab(); v++) if (logits.get(0, p, v) > logits.get(0, p, best)) best = v;
                assertEquals(best, tokens[p], "token " + p);
            }
        }
    }

    @Test
    void completionKeepsTheGivenTopRows() {
        int[] given = new int[2 * TINY.grid()];
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < given.length; i++) given[i] = rng.nextInt(TINY.imageVocab());
        for (int[] grid : ImageSampler.complete(MODEL, CAPTION, given, ImageSampler.Options.defaults().withCandidates(2).withTopP(0.9))) {
            assertArrayEquals(given, Arrays.copyOf(grid, given.length));
        }
    }

    @Test
    void badOptionsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> ImageSampler.Options.defaults().withTemperature(0));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageSampler.Options.defaults().withTopP(1.5));
        assertTrue(e.getMessage().contains("top-p"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageSampler.complete(MODEL, CAPTION, new int[TINY.imageTokens()], ImageSampler.Options.defaults()));
        assertTrue(e.getMessage().contains("nothing to sample"), e.getMessage());
    }
}
