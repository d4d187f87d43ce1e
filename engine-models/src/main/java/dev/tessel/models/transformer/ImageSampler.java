// ImageSampler: draws image tokens for a caption from the transformer, one token at a time with a
// KV cache: temperature, top-k, top-p (nucleus), N candidates per caption, and image completion
// from given top rows.
//
// Invariants: one seed gives the same tokens (a single generator draws candidate 0's token, then
// candidate 1's, ... position by position); given tokens are copied, never sampled; the model's
// weights are only read.
package dev.tessel.models.transformer;

import dev.tessel.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Autoregressive sampling of image tokens. */
public final class ImageSampler {
    /**
     * @param candidates  images drawn for the caption (one batch)
     * @param temperature logits are divided by it; must be > 0 (1 = the model's distribution)
     * @param topK        keep the k most likely tokens (0 = all)
     * @param topP        keep the smallest set of most likely tokens whose probability reaches p (1 = all)
     * @param seed        of the draws
     */
    public record Options(int candidates, double temperature, int topK, double topP, long seed) {
        public Options {
            if (candidates < 1) throw new IllegalArgumentException("sampling: candidates must be >= 1, got " + candidates);
            if (!(temperature > 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("sampling: temperature must be > 0, got " + temperature);
            if (topK < 0) throw new IllegalArgumentException("sampling: top-k must be >= 0 (0 = off), got " + topK);
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("sampling: top-p must be in (0, 1] (1 = off), got " + topP);
        }

        /** Temperature 1 (the paper's), no truncation, one candidate, seed 0. */
        public static Options defaults() { return new Options(1, 1.0, 0, 1.0, 0); }

        public Options withCandidates(int n) { return new Options(n, temperature, topK, topP, seed); }

        public Options withSeed(long s) { return new Options(candidates, temperature, topK, topP, s); }

        public Options withTopK(int k) { return new Options(candidates, temperature, k, topP, seed); }

        public Options withTopP(double p) { return new Options(candidates, temperature, topK, p, seed); }

        public Options withTemperature(double t) { return new Options(candidates, t, topK, topP, seed); }
    }

    private ImageSampler() {}

    /** options.candidates() token grids [candidates][grid²] for a caption's BPE ids (at most captionRoom()). */
    public static int[][] sample(TextToImageTransformer model, int[] captionIds, Options options) {
        return complete(model, captionIds, new int[0], options);
    }

    /**
     * Image completion: every candidate starts with {@code givenTokens} (e.g. the top rows of a
     * dVAE grid, raster order) and the rest is sampled.
     */
    public static int[][] complete(TextToImageTransformer model, int[] captionIds, int[] givenTokens, Options options) {
        TransformerConfig c = model.config();
        int n = c.imageTokens(), batch = options.candidates(), given = givenTokens.length;
        if (given >= n) throw new IllegalArgumentException("image completion: " + given + " given tokens leave nothing to sample of " + n);
        for (int t : givenTokens) {
            if (t < 0 || t >= c.imageVocab()) throw new IllegalArgumentException("image completion: token " + t + " is outside the image vocabulary [0, " + c.imageVocab() + ")");
        }
        int[][] tokens = new int[batch][n];
        for (int[] row : tokens) System.arraycopy(givenTokens, 0, row, 0, given);
        SplittableRandom rng = new SplittableRandom(options.seed());
        int[][] captions = new int[batch][];
        Arrays.fill(captions, captionIds);
        // With several candidates the weights are packed once for the whole call: every step
        // multiplies each of them again. One candidate's steps are one-row products, which read the
        // weights in place, so packing would only cost time (~9% of a batch-1 sample).
        try (KvCache cache = new KvCache(c, batch, batch > 1 ? DecodingWeights.of(model) : null);
             Tensor text = model.textBatch(Arrays.asList(captions));
             Tensor prefix = TextToImageTransformer.ids(tokens, given)) {
            Tensor logits = model.prefill(cache, text, prefix);
            for (int p = given; ; p++) {
                for (int b = 0; b < batch; b++) tokens[b][p] = draw(logits, b, options, rng);
                logits.close();
                if (p + 1 == n) break;
                int[][] column = new int[batch][1];
                for (int b = 0; b < batch; b++) column[b][0] = tokens[b][p];
                try (Tensor step = TextToImageTransformer.ids(column, 1)) {
                    logits = model.step(cache, step, p);
                }
            }
        }
        return tokens;
    }

    /** One token from row b of logits [B, V] under the options. */
    static int draw(Tensor logits, int b, Options o, SplittableRandom rng) {
        int v = logits.dim(1);
        double[] scores = new double[v];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            scores[i] = logits.get(b, i) / o.temperature();
            max = Math.max(max, scores[i]);
        }
        int[] order = descendingOrder(scores);   // most likely first; ties by id
        double[] probability = new double[v];
        double total = 0;
        for (int i = 0; i < v; i++) total += probability[i] = Math.exp(scores[order[i]] - max);
        int keep = o.topK() == 0 ? v : Math.min(o.topK(), v);
        double mass = 0;
        for (int i = 0; i < keep; i++) {
            mass += probability[i] / total;
            if (mass >= o.topP()) {
                keep = i + 1;
                break;
            }
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) kept += probability[i];
        double u = rng.nextDouble() * kept;
        for (int i = 0; i < keep - 1; i++) {
            u -= probability[i];
            if (u < 0) return order[i];
        }
        return order[keep - 1];
    }

    /**
     * The ids 0..n-1 ordered by score, highest first (Double.compare's order), equal scores by id:
     * exactly the order of a stable sort of boxed ids with that comparator, without the boxing
     * (which cost 5% of a batch-16 sample). Each score is replaced by its rank among the distinct
     * scores, so one primitive sort of (rank, id) pairs packed in a long gives the order.
     */
    static int[] descendingOrder(double[] scores) {
        int n = scores.length;
        long[] distinct = new long[n];
        for (int i = 0; i < n; i++) distinct[i] = sortableBits(scores[i]);
        Arrays.sort(distinct);
        int unique = 0;
        for (int i = 0; i < n; i++) if (i == 0 || distinct[i] != distinct[unique - 1]) distinct[unique++] = distinct[i];
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            int rank = Arrays.binarySearch(distinct, 0, unique, sortableBits(scores[i]));
            keys[i] = (long) (unique - 1 - rank) << 32 | i;     // highest score first, then id
        }
        Arrays.sort(keys);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = (int) keys[i];
        return order;
    }

    /** A long whose signed order is Double.compare's order of the doubles (-0.0 before 0.0, NaN last). */
    private static long sortableBits(double x) {
        long bits = Double.doubleToLongBits(x);
        return bits < 0 ? bits ^ Long.MAX_VALUE : bits;
    }
}
