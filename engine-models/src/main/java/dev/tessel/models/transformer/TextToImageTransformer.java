// TextToImageTransformer: DALL·E's stage 2: a decoder-only sparse transformer over the stream
// [start, caption tokens, padding | image tokens], trained to predict every next token.
//
// Invariants: the text logits at positions 0..L-2 predict text positions 1..L-1 (caption and
// padding ids; the start token is never a target), the image logits at positions L-1..L+N-2
// predict image tokens 0..N-1; both heads are separate from the embeddings (untied) and produce
// F32 logits. parameterCount(config) equals the allocated model's size, part by part
// (TransformerShapesTest), so the 12B count is computed without allocating it.
package dev.tessel.models.transformer;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.mixed.GradScaler;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** The text-to-image transformer: embeddings, the resblock stack, and the text and image heads. */
public final class TextToImageTransformer extends Module {
    private final TransformerConfig config;
    private final Embeddings embeddings;
    private final ResblockStack stack;
    private final Linear textHead, imageHead;

    /** A freshly initialised model (Sparse Transformer init) drawn from {@code seed}, every parameter F32. */
    public TextToImageTransformer(TransformerConfig config, long seed) { this(config, seed, DType.F32); }

    /**
     * As above with the resblocks' weight matrices stored in {@code resblockWeights}: F16 for mixed
     * precision (DALL·E 2.4 keeps them in 16 bits, with no fp32 master copy; gains, biases,
     * embeddings and heads stay F32). The same seed draws the same model in either dtype.
     */
    public TextToImageTransformer(TransformerConfig config, long seed, DType resblockWeights) {
        if (resblockWeights != DType.F32 && resblockWeights != DType.F16) {
            throw new IllegalArgumentException("TextToImageTransformer: resblock weights are F32 or F16, got " + resblockWeights);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        this.config = config;
        this.embeddings = registerModule("embeddings", new Embeddings(config, rng));
        this.stack = registerModule("stack", new ResblockStack(config, rng, resblockWeights));
        this.textHead = registerModule("text_head", Initialization.linear(config.dModel(), config.textTableRows(), Initialization.STD, rng));
        this.imageHead = registerModule("image_head", Initialization.linear(config.dModel(), config.imageVocab(), Initialization.STD, rng));
    }

    public TransformerConfig config() { return config; }

    public ResblockStack stack() { return stack; }

    // ---------------------------------------------------------------- size without allocation

    /** Parameters per part, in the order the model registers them, counted from the config alone. */
    public static Map<String, Long> parameterBreakdown(TransformerConfig c) {
        Map<String, Long> parts = new LinkedHashMap<>();
        parts.put("embeddings", Embeddings.parameterCount(c));
        parts.put("attention resblocks", c.layers() * AttentionResblock.parameterCount(c));
        parts.put("mlp resblocks", c.layers() * MlpResblock.parameterCount(c));
        parts.put("final layer norm", ResblockStack.parameterCount(c) - c.layers() * (AttentionResblock.parameterCount(c) + MlpResblock.parameterCount(c)));
        parts.put("text head", Shapes.linear(c.dModel(), c.textTableRows()));
        parts.put("image head", Shapes.linear(c.dModel(), c.imageVocab()));
        return parts;
    }

    /** Every stored parameter of a model of this config. */
    public static long parameterCount(TransformerConfig c) {
        return parameterBreakdown(c).values().stream().mapToLong(Long::longValue).sum();
    }

    // ---------------------------------------------------------------- inputs

    /**
     * The text positions of a caption: [start, ids..., padding ids]; ids must be BPE ids
     * (0..textVocab-1) and at most captionRoom() of them (truncate first: see BpeTokenizer.encodeCaption).
     */
    public int[] textRow(int[] captionIds) {
        if (captionIds.length > config.captionRoom()) {
            throw new IllegalArgumentException("caption has " + captionIds.length + " tokens but the model has room for " + config.captionRoom()
                    + " after the start token; truncate it first");
        }
        int[] row = new int[config.textLength()];
        row[0] = config.startId();
        for (int i = 1; i < row.length; i++) {
            int id = i <= captionIds.length ? captionIds[i - 1] : config.paddingId(i);
            if (i <= captionIds.length && (id < 0 || id >= config.textVocab())) {
                throw new IllegalArgumentException("caption token " + (i - 1) + " is " + id + ", outside the BPE vocabulary [0, " + config.textVocab() + ")");
            }
            row[i] = id;
        }
        return row;
    }

    /** Text rows of a batch of captions: I64 [B, L]. */
    public Tensor textBatch(List<int[]> captions) {
        long[] ids = new long[captions.size() * config.textLength()];
        for (int b = 0; b < captions.size(); b++) {
            int[] row = textRow(captions.get(b));
            for (int i = 0; i < row.length; i++) ids[b * row.length + i] = row[i];
        }
        return Tensor.ofLongs(ids, captions.size(), config.textLength());
    }

    // ---------------------------------------------------------------- training

    /** Text [B, L-1, Vt] and image [B, N, Vi] logits, both F32. */
    public record Logits(Variable text, Variable image) {}

    /** Teacher-forced logits of text rows [B, L] and image tokens [B, N]; checkpoint recomputes resblocks in backward. */
    public Logits forward(Tensor text, Tensor image, boolean checkpoint) {
        return forward(text, image, checkpoint, null);
    }

    /** As above; a non-null {@code scaler} runs the resblocks in its precision with per-resblock gradient scales (ResblockStack). */
    public Logits forward(Tensor text, Tensor image, boolean checkpoint, GradScaler scaler) {
        if (image.rank() != 2 || image.dim(1) != config.imageTokens() || text.rank() != 2 || text.dim(0) != image.dim(0)) {
            throw new IllegalArgumentException("TextToImageTransformer: expected text [B, " + config.textLength() + "] and image [B, "
                    + config.imageTokens() + "] ids, got " + text.shape() + " and " + image.shape());
        }
        Variable hidden = stack.forward(embeddings.forward(text, image), 0, null, checkpoint, scaler);
        int l = config.textLength(), n = config.imageTokens();
        Variable textLogits = textHead.forward(Ops.slice(hidden, 1, 0, l - 1));
        Variable imageLogits = imageHead.forward(Ops.slice(hidden, 1, l - 1, l - 1 + n));
        return new Logits(textLogits, imageLogits);
    }

    /** The training loss of one batch (PriorLoss: 1/8 text + 7/8 image). */
    public PriorLoss.Value loss(Tensor text, Tensor image, boolean checkpoint) {
        return loss(text, image, checkpoint, null);
    }

    /** The training loss with the resblocks run through {@code scaler} (null: fp32, plain residuals). */
    public PriorLoss.Value loss(Tensor text, Tensor image, boolean checkpoint, GradScaler scaler) {
        Logits logits = forward(text, image, checkpoint, scaler);
        Tensor textTargets = text.slice(1, 1, config.textLength());
        return PriorLoss.of(logits.text(), textTargets, logits.image(), image);
    }

    // ---------------------------------------------------------------- incremental decoding

    /**
     * Runs text rows [B, L] and the first given image tokens [B, k] (k may be 0) through the model,
     * filling an empty cache, and returns the logits [B, Vi] of image token k.
     */
    public Tensor prefill(KvCache cache, Tensor text, Tensor givenImage) {
        if (cache.length() != 0) throw new IllegalArgumentException("prefill: the cache already holds " + cache.length() + " positions; use a fresh one");
        if (givenImage.dim(1) >= config.imageTokens()) throw new IllegalArgumentException("prefill: " + givenImage.dim(1) + " given image tokens leave nothing to sample");
        try (var off = Autograd.noGrad()) {
            Variable hidden = stack.forward(embeddings.forward(text, givenImage), 0, cache, false);
            int last = hidden.shape()[1] - 1;
            return Ops.squeeze(DecodingWeights.linear(cache.weights(), MixedPrecision.fp32(), Ops.slice(hidden, 1, last, last + 1), imageHead), 1).value();
        }
    }

    /** Feeds image token {@code position} ([B, 1] ids) after a prefill and returns the logits [B, Vi] of token position+1. */
    public Tensor step(KvCache cache, Tensor token, int position) {
        if (position + 1 >= config.imageTokens()) throw new IllegalArgumentException("step: image token " + position + " is the last; nothing follows it");
        try (var off = Autograd.noGrad()) {
            Variable hidden = stack.forward(embeddings.image(token, position), config.textLength() + position, cache, false);
            return Ops.squeeze(DecodingWeights.linear(cache.weights(), MixedPrecision.fp32(), hidden, imageHead), 1).value();
        }
    }

    /** Image ids as an I64 tensor [B, n]. */
    static Tensor ids(int[][] rows, int n) {
        long[] flat = new long[rows.length * n];
        for (int b = 0; b < rows.length; b++) for (int i = 0; i < n; i++) flat[b * n + i] = rows[b][i];
        return Tensor.ofLongs(flat, rows.length, n);
    }
}
