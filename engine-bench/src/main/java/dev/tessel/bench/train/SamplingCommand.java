// SamplingCommand: `bench sampling`: times KV-cached sampling of whole images from the
// text-to-image transformer (ImageSampler: prefill of the text, then one cached step per image
// token, temperature 1, no truncation) and prints the median ms per sampled batch; sampling_peer.py
// times PyTorch's own KV-cached decoder of the same network and reports tokens/s for both.
//
// Invariant: every timed step samples a whole batch of images for one fixed random caption with a
// new seed, so each step does the same work (prefill + grid² - 1 cached steps + grid² draws per
// image); the weights are a fresh random init, which costs the same as trained ones.
package dev.tessel.bench.train;

import dev.tessel.models.transformer.ImageSampler;
import dev.tessel.models.transformer.TextToImageTransformer;
import dev.tessel.models.transformer.TransformerConfig;
import java.util.SplittableRandom;

/** The KV-cached sampling benchmark of issue 5. */
public final class SamplingCommand {
    private SamplingCommand() {}

    /** For the Python peer, which starts the JVM itself: exits with run's status. */
    public static void main(String[] args) { System.exit(run(args)); }

    public static int run(String[] args) {
        TrainStepCommand.ModelArgs m;
        try {
            m = TrainStepCommand.ModelArgs.parse(args, 1);
        } catch (IllegalArgumentException e) {
            System.err.println("bench sampling: " + e.getMessage());
            return 2;
        }
        TransformerConfig c = m.config();
        String usage = """
                usage: bench sampling [--preset P] [--grid G] [--batch B] [--threads T] [--reps R] [--window S] [--warmup-seconds W] [--warmup-steps N]
                  Times KV-cached sampling of B images (candidates of one caption) from the text-to-image
                  transformer of preset P (default small) on a G x G token grid (default the preset's): one step
                  is a whole batch (a prefill of the text, then G*G - 1 cached one-token steps, G*G draws per
                  image, temperature 1). Each of R >= 5 repetitions averages S steps after a warm-up of at least
                  W seconds and N steps; the last line is 'ms: <median ms per sampled batch>';
                  tokens/s = B * G * G * 1000 / ms.
                  defaults: --preset small --batch 1 --threads <cores> --reps 9 --window 50 --warmup-seconds 8 --warmup-steps 1000""";
        return TrainStepCommand.time("sampling", usage, m.rest(), () -> {
            TextToImageTransformer model = new TextToImageTransformer(c, 42);
            SplittableRandom rng = new SplittableRandom(42);
            int[] caption = new int[c.captionRoom()];
            for (int i = 0; i < caption.length; i++) caption[i] = rng.nextInt(c.textVocab());
            ImageSampler.Options options = ImageSampler.Options.defaults().withCandidates(m.batch());
            long[] seed = {0};
            return new TrainStepCommand.Workload(String.format("%s, batch %d, %d image tokens per image, float32", c, m.batch(), c.imageTokens()),
                    () -> ImageSampler.sample(model, caption, options.withSeed(seed[0]++)));
        });
    }
}
