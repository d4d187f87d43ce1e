// ClipCheckpoint: one safetensors file holding a reranker's weights, its optimizer state, its
// loss history and, in the metadata, everything needed to rebuild it (config, tokenizer, step).
//
// Invariants: the file is written atomically (Safetensors.write: temp file, fsync, rename), so a
// kill mid-write leaves the previous checkpoint intact; weights are stored under the model's own
// state-dict names, optimizer moments under "optim.", the loss history as "train.loss" [steps].
package dev.tessel.models.clip;

import dev.tessel.autograd.nn.Parameter;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Save and load of a reranker with its training state. */
public final class ClipCheckpoint {
    static final String FORMAT = "tessel-clip-1";
    private static final String OPTIM = "optim.";
    private static final String LOSS = "train.loss";

    private ClipCheckpoint() {}

    /** What a checkpoint holds besides the weights: updates done, the schedule's length, the loss of every update. */
    public record State(long step, long scheduledSteps, float[] losses) {}

    /** A loaded model with the optimizer moments and training state it was saved with. */
    public record Loaded(ClipModel model, Map<String, Tensor> optimizerState, State state) {}

    public static void save(Path path, ClipModel model, AdamW optimizer, State state) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.stateDict());
        if (optimizer != null) {
            for (var e : optimizer.stateDict(model.namedParameters()).entrySet()) tensors.put(OPTIM + e.getKey(), e.getValue());
        }
        tensors.put(LOSS, Tensor.of(state.losses().length == 0 ? new float[] {Float.NaN} : state.losses(), Math.max(1, state.losses().length)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("config", model.config().toJson());
        meta.put("tokenizer", model.tokenizer().name());
        meta.put("tokenizer_context", Integer.toString(model.tokenizer().contextLength()));
        meta.put("step", Long.toString(state.step()));
        meta.put("scheduled_steps", Long.toString(state.scheduledSteps()));
        meta.put("losses", Integer.toString(state.losses().length));
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("ClipCheckpoint: cannot create the directory of " + path, e);
        }
        Safetensors.write(path, tensors, meta);
    }

    /**
     * Rebuilds the model a checkpoint describes. {@code tokenizers} maps the stored tokenizer
     * name and context to an instance (the caller knows which tokenizers exist).
     */
    public static Loaded load(Path path, java.util.function.BiFunction<String, Integer, CaptionTokenizer> tokenizers) {
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException("reranker checkpoint " + path + " does not exist; train one with ./tessel clip train");
        try (SafetensorsFile file = Safetensors.read(path)) {
            Map<String, String> meta = file.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new IllegalArgumentException("reranker checkpoint " + path + ": format '" + meta.get("format") + "', expected " + FORMAT
                        + " (is it a checkpoint of another model?)");
            }
            ClipConfig config = ClipConfig.fromJson(meta.get("config"));
            CaptionTokenizer tokenizer = tokenizers.apply(meta.get("tokenizer"), Integer.parseInt(meta.get("tokenizer_context")));
            ClipModel model = new ClipModel(config, tokenizer, new SplittableRandom(0));
            Map<String, Tensor> weights = new LinkedHashMap<>(), optim = new LinkedHashMap<>();
            Map<String, Parameter> named = model.namedParameters();
            for (String name : file.names()) {
                if (name.startsWith(OPTIM)) optim.put(name.substring(OPTIM.length()), file.tensor(name).copy());
                else if (named.containsKey(name)) weights.put(name, file.tensor(name));
            }
            model.loadStateDict(weights, true);
            int lossCount = Integer.parseInt(meta.get("losses"));
            float[] stored = file.tensor(LOSS).toFloatArray();
            float[] losses = java.util.Arrays.copyOf(stored, lossCount);
            State state = new State(Long.parseLong(meta.get("step")), Long.parseLong(meta.get("scheduled_steps")), losses);
            return new Loaded(model, optim, state);
        }
    }
}
