// ClipModel: the contrastive reranker: an image tower and a text tower mapped into one space,
// trained with the symmetric InfoNCE loss and a learned temperature (Radford et al. 2021).
//
// Invariants: both towers' outputs are L2-normalised before any product, so a score is a cosine
// in [-1, 1]; the learned log inverse temperature stays within [0, ln 100] (clampTemperature runs
// after every update, as in CLIP), so the logits never exceed 100 in magnitude.
package dev.tessel.models.clip;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Module;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/** Image-text similarity: {@link #loss} to train it, {@link #scores} to rerank candidates. */
public final class ClipModel extends Module {
    /** CLIP's initial temperature 0.07, as a log inverse temperature. */
    static final double INITIAL_LOG_SCALE = Math.log(1 / 0.07);
    static final double MAX_LOG_SCALE = Math.log(100);

    private final ClipConfig config;
    private final CaptionTokenizer tokenizer;
    private final ImageEncoder imageEncoder;
    private final TextEncoder textEncoder;
    private final Parameter logScale;

    public ClipModel(ClipConfig config, CaptionTokenizer tokenizer, RandomGenerator rng) {
        if (tokenizer.contextLength() > config.textContext()) {
            throw new IllegalArgumentException("ClipModel: tokenizer " + tokenizer.name() + " emits up to " + tokenizer.contextLength()
                    + " tokens but the text context is " + config.textContext());
        }
        this.config = config;
        this.tokenizer = tokenizer;
        this.imageEncoder = registerModule("image", new ImageEncoder(config, rng));
        this.textEncoder = registerModule("text", new TextEncoder(config, tokenizer.vocabSize(), rng));
        this.logScale = registerParameter("logit_scale", Tensor.full(DType.F32, INITIAL_LOG_SCALE, 1));
    }

    public ClipConfig config() { return config; }

    public CaptionTokenizer tokenizer() { return tokenizer; }

    /** images [B, C, S, S] in [0, 1] -> unit vectors [B, embedDim]. */
    public Variable imageFeatures(Variable images) { return normalise(imageEncoder.forward(images)); }

    /** captions -> unit vectors [B, embedDim]. */
    public Variable textFeatures(List<String> captions) {
        int[][] ids = new int[captions.size()][];
        for (int i = 0; i < ids.length; i++) ids[i] = tokenizer.encode(captions.get(i));
        return normalise(textEncoder.forward(ids));
    }

    /**
     * Symmetric InfoNCE over a batch of matching pairs: image i and caption i are the positive
     * pair, every other caption (image) in the batch a negative; the mean of the image->text and
     * text->image cross-entropies. Captions of a batch should be distinct (a repeated caption is
     * a false negative). Result [1].
     */
    public Variable loss(Tensor images, List<String> captions) {
        int b = captions.size();
        if (images.dim(0) != b) throw new IllegalArgumentException("ClipModel.loss: " + images.dim(0) + " images but " + b + " captions");
        Variable img = imageFeatures(Variable.constant(images));                                  // (B, E)
        Variable txt = textFeatures(captions);                                                    // (B, E)
        Variable logits = Ops.mul(Ops.matmul(img, txt, false, true), Ops.exp(logScale.variable())); // (B, B) image x text
        int[] diagonal = new int[b];
        for (int i = 0; i < b; i++) diagonal[i] = i;
        Tensor targets = Tensor.ofInts(diagonal, b);
        Variable imageToText = Ops.softmaxCrossEntropy(logits, targets);
        Variable textToImage = Ops.softmaxCrossEntropy(Ops.contiguous(Ops.transpose(logits, 0, 1)), targets);
        return Ops.mulScalar(Ops.add(imageToText, textToImage), 0.5);
    }

    /** Cosine similarity of {@code caption} with each image of [N, C, S, S]; no graph is recorded. */
    public double[] scores(String caption, Tensor images) {
        try (var noGrad = Autograd.noGrad()) {
            Tensor sims = Ops.matmul(imageFeatures(Variable.constant(images)), textFeatures(List.of(caption)), false, true).value(); // (N, 1)
            double[] out = new double[images.dim(0)];
            for (int i = 0; i < out.length; i++) out[i] = sims.getDouble(i);
            return out;
        }
    }

    /** Image features of [N, C, S, S] with no graph (the Fréchet distance reads these). */
    public Tensor embedImages(Tensor images) {
        try (var noGrad = Autograd.noGrad()) {
            return imageFeatures(Variable.constant(images)).value();
        }
    }

    /** The current inverse temperature exp(logit_scale). */
    public double logitScale() { return Math.exp(logScale.value().getDouble(0)); }

    /** Keeps the log inverse temperature in [0, ln 100]; call after every optimizer step. */
    public void clampTemperature() {
        double s = logScale.value().getDouble(0);
        logScale.value().setDouble(0, Math.min(Math.max(s, 0), MAX_LOG_SCALE));
    }

    private static Variable normalise(Variable x) {
        Variable norm = Ops.sqrt(Ops.addScalar(Ops.sum(Ops.mul(x, x), -1, true), 1e-12));          // (B, 1)
        return Ops.div(x, norm);
    }
}
