// DvaeTokenizer: the stable Java API of a trained dVAE, what stage 2 (the transformer) and the
// demo use: load a checkpoint, images -> token ids, token ids -> images.
//
// Invariants: weights are read once at load and never written, so encode and decode may be
// called from several threads at once; ids are row-major over the token grid (id [b, r·g + c]
// is grid cell (r, c)); images are F32 in [0, 1], NCHW.
package dev.tessel.models.dvae;

import dev.tessel.autograd.Autograd;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Encode images to DALL·E tokens and decode them back.
 *
 * <pre>{@code
 * DvaeTokenizer dvae = DvaeTokenizer.load(Path.of("runs/shapes/checkpoint.safetensors"));
 * Tensor ids = dvae.encode(images);      // images F32 [B, C, S, S] in [0,1] -> I64 [B, g*g]
 * Tensor back = dvae.decode(ids);        // I64 or I32 [B, g*g] -> F32 [B, C, S, S] in [0,1]
 * int vocab = dvae.vocabSize(), grid = dvae.gridSize();
 * }</pre>
 * Computation runs on the backend of the calling thread's Autograd scope (default: Cpu).
 */
public final class DvaeTokenizer {
    private final Dvae model;

    private DvaeTokenizer(Dvae model) { this.model = model; }

    /** Wraps a model in memory (its weights must not change while the tokenizer is in use). */
    public static DvaeTokenizer of(Dvae model) { return new DvaeTokenizer(model); }

    /**
     * Loads a checkpoint written by {@code ./tessel dvae train}, with the EMA weights (what the
     * paper evaluates and what eval reports on).
     */
    public static DvaeTokenizer load(Path checkpoint) { return load(checkpoint, true); }

    /** As {@link #load(Path)}; {@code ema} false takes the raw trained weights instead of their average. */
    public static DvaeTokenizer load(Path checkpoint, boolean ema) {
        try (SafetensorsFile file = Safetensors.read(checkpoint)) {
            Map<String, String> meta = file.metadata();
            DvaeTrainer.checkFormat(checkpoint, meta);
            Dvae model = new Dvae(DvaeConfig.fromJson(meta.get("config"), checkpoint.toString()), 0);
            model.loadStateDict(DvaeTrainer.prefixed(file, ema ? "ema." : "model."), true);
            return new DvaeTokenizer(model);
        }
    }

    public DvaeConfig config() { return model.config(); }

    public int vocabSize() { return model.config().vocabSize(); }

    /** Side of the token grid g; an image has g·g tokens. */
    public int gridSize() { return model.config().gridSize(); }

    public int tokensPerImage() { return model.config().tokensPerImage(); }

    /** Side S of the images it takes and returns. */
    public int imageSize() { return model.config().imageSize(); }

    public int channels() { return model.config().channels(); }

    /** The underlying model (for evaluation); do not train it while the tokenizer is in use. */
    public Dvae model() { return model; }

    /** images F32 [B, C, S, S] in [0, 1] -> token ids I64 [B, g·g] (argmax of the encoder logits, no noise). */
    public Tensor encode(Tensor images) {
        Tensor grid = model.encodeTokens(images);                   // (B, g, g)
        return grid.reshape(grid.dim(0), -1);
    }

    /** Token ids I64 or I32 [B, g·g], each in [0, vocab) -> images F32 [B, C, S, S] in [0, 1]. */
    public Tensor decode(Tensor ids) {
        int g = gridSize(), n = g * g;
        if (ids.rank() != 2 || ids.dim(1) != n || (ids.dtype() != DType.I64 && ids.dtype() != DType.I32)) {
            throw new IllegalArgumentException("DvaeTokenizer.decode: ids " + ids.dtype() + Arrays.toString(ids.shape().toArray())
                    + " must be I64 or I32 [B, " + n + "] (a " + g + "x" + g + " grid per image)");
        }
        int vocab = vocabSize();
        for (long i = 0; i < ids.numel(); i++) {
            long id = ids.getLong(i);
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("DvaeTokenizer.decode: id " + id + " at flat position " + i + " is outside [0, " + vocab + ")");
            }
        }
        try (var off = Autograd.noGrad()) {
            return model.decodeCodes(model.oneHotCodes(ids.reshape(ids.dim(0), g, g)));
        }
    }
}
