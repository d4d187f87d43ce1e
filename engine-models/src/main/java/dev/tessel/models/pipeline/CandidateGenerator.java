// CandidateGenerator: DALL·E's sampling path: caption -> BPE ids -> N image-token grids drawn from
// the transformer -> dVAE decoder -> N images; and the reranker's ordering of them.
//
// Invariants: one (caption, n, seed) gives the same images (the sampler is seeded); the caption is
// lower-cased and truncated to the transformer's caption room by the BPE, as in training; no
// model weight is changed.
package dev.tessel.models.pipeline;

import dev.tessel.autograd.Autograd;
import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.clip.ClipModel;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.transformer.ImageSampler;
import dev.tessel.models.transformer.TextToImageTransformer;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Text in, images out; {@link #rerank} orders them by the reranker's score. */
public final class CandidateGenerator {
    private final TextToImageTransformer prior;
    private final BpeTokenizer bpe;
    private final DvaeTokenizer dvae;
    private final ImageSampler.Options sampling;

    public CandidateGenerator(TextToImageTransformer prior, BpeTokenizer bpe, DvaeTokenizer dvae, ImageSampler.Options sampling) {
        if (prior.config().imageTokens() != dvae.tokensPerImage() || prior.config().imageVocab() != dvae.vocabSize()) {
            throw new IllegalArgumentException("CandidateGenerator: the transformer draws " + prior.config().imageTokens() + " tokens of "
                    + prior.config().imageVocab() + " but the dVAE decodes " + dvae.tokensPerImage() + " tokens of " + dvae.vocabSize()
                    + "; they were not trained together");
        }
        this.prior = prior;
        this.bpe = bpe;
        this.dvae = dvae;
        this.sampling = sampling;
    }

    /** The caption's BPE ids as the transformer reads them (truncated to its caption room). */
    public int[] captionIds(String caption) {
        if (caption == null || caption.isBlank()) throw new IllegalArgumentException("generate: the caption is empty; give a text such as \"a red circle\"");
        return bpe.encodeCaption(caption.strip(), prior.config().captionRoom(), 0, null).ids();
    }

    /** True when the caption has more BPE tokens than the transformer reads (the rest is dropped). */
    public boolean truncates(String caption) {
        return bpe.encodeCaption(caption.strip(), prior.config().captionRoom(), 0, null).truncated();
    }

    /** {@code n} candidate token grids [n][grid²]. */
    public int[][] sampleTokens(String caption, int n, long seed) {
        try (var noGrad = Autograd.noGrad()) {
            return ImageSampler.sample(prior, captionIds(caption), sampling.withCandidates(n).withSeed(seed));
        }
    }

    /** {@code n} completions [n][grid²] that start with {@code givenTokens} (e.g. an image's top rows, raster order). */
    public int[][] completeTokens(String caption, int[] givenTokens, int n, long seed) {
        try (var noGrad = Autograd.noGrad()) {
            return ImageSampler.complete(prior, captionIds(caption), givenTokens, sampling.withCandidates(n).withSeed(seed));
        }
    }

    /** {@code n} candidate images [n, C, S, S] in [0, 1]. */
    public Tensor sample(String caption, int n, long seed) { return decode(sampleTokens(caption, n, seed)); }

    /** Images of token grids [n][grid²]. */
    public Tensor decode(int[][] tokens) {
        int per = dvae.tokensPerImage();
        int[] flat = new int[tokens.length * per];
        for (int i = 0; i < tokens.length; i++) System.arraycopy(tokens[i], 0, flat, i * per, per);
        try (Tensor ids = Tensor.ofInts(flat, tokens.length, per)) {
            return dvae.decode(ids);
        }
    }

    public DvaeTokenizer dvae() { return dvae; }

    /** Candidates ordered best first by the reranker, with their scores (cosine similarity to the caption). */
    public record Ranking(int[] order, double[] scores) {
        /** Score of the candidate at rank r. */
        public double scoreAt(int rank) { return scores[order[rank]]; }
    }

    public static Ranking rerank(ClipModel clip, String caption, Tensor images) {
        double[] scores = clip.scores(caption, images);
        int[] order = IntStream.range(0, scores.length).boxed().sorted(Comparator.comparingDouble(i -> -scores[i])).mapToInt(Integer::intValue).toArray();
        return new Ranking(order, scores);
    }

    /** Images [n, C, S, S] -> the ones at {@code indices}, stacked in that order. */
    public static Tensor select(Tensor images, int[] indices) {
        int[] chw = Arrays.copyOfRange(images.shape().toArray(), 1, 4);
        Tensor out = Tensor.zeros(DType.F32, indices.length, chw[0], chw[1], chw[2]);
        for (int i = 0; i < indices.length; i++) out.slice(0, i, i + 1).copyFrom(images.slice(0, indices[i], indices[i] + 1));
        return out;
    }
}
