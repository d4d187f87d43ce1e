// PriorTrainer: trains the transformer on (caption, image tokens) pairs with DALL·E's recipe:
// AdamW(0.9, 0.96, eps 1e-8, weight decay 4.5e-2), Adam variance clipped at 5, global-norm clip
// 4, linear warmup to the peak learning rate, halving on plateau (at most 5 times), and a
// parameter EMA (0.99) that sampling can swap in. Checkpoints hold everything needed to resume.
//
// Invariants: one step() = one forward, one backward, one update, one EMA update; a step whose
// gradient norm is not finite changes nothing but is reported. A checkpoint is written atomically
// and restores weights, EMA, Adam moments, the step count and the halvings so far exactly, so a
// resumed run continues the same trajectory (only the plateau watch's best loss starts afresh).
package dev.tessel.models.transformer;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.mixed.GradScaler;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.autograd.optim.GradClipping;
import dev.tessel.autograd.optim.HalveOnPlateau;
import dev.tessel.autograd.optim.ParameterEma;
import dev.tessel.autograd.optim.Schedule;
import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import dev.tessel.models.report.LinePlot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/** The stage-2 training loop's state and its update step. Not thread-safe. */
public final class PriorTrainer {
    /**
     * @param peakLr        learning rate after warmup (paper 4.5e-4)
     * @param warmupSteps   linear warmup length (paper 5,000)
     * @param plateauPatience evaluations without improvement before halving (0 = never halve)
     * @param checkpointing recompute each resblock in backward (activation checkpointing)
     */
    public record Settings(double peakLr, long warmupSteps, double beta1, double beta2, double eps, double weightDecay,
                           double varianceClip, double clipNorm, double emaDecay, int plateauPatience, boolean checkpointing) {
        /** The paper's settings. */
        public static Settings dalle() { return new Settings(4.5e-4, 5000, 0.9, 0.96, 1e-8, 4.5e-2, 5, 4, 0.99, 10, true); }

        public Settings withPeakLr(double lr) {
            return new Settings(lr, warmupSteps, beta1, beta2, eps, weightDecay, varianceClip, clipNorm, emaDecay, plateauPatience, checkpointing);
        }

        public Settings withWarmup(long steps) {
            return new Settings(peakLr, steps, beta1, beta2, eps, weightDecay, varianceClip, clipNorm, emaDecay, plateauPatience, checkpointing);
        }

        public Settings withCheckpointing(boolean on) {
            return new Settings(peakLr, warmupSteps, beta1, beta2, eps, weightDecay, varianceClip, clipNorm, emaDecay, plateauPatience, on);
        }
    }

    /** What one update did. */
    public record StepResult(long step, double loss, double textLoss, double imageLoss, double gradNorm, double lr, boolean skipped) {}

    private static final int MAX_HALVINGS = 5;

    private final TextToImageTransformer model;
    private final Settings settings;
    private final MixedPrecision precision;
    /** Per-resblock (or global) gradient scales in mixed precision; null in fp32. */
    private final GradScaler scaler;
    /** Each update's scales (one per resblock, scaler's block order), for the figure-12 plot. */
    private final List<double[]> scaleHistory = new ArrayList<>();
    private final List<Parameter> parameters;
    private final AdamW adam;
    private final ParameterEma ema;
    private final Schedule warmup;
    private final HalveOnPlateau plateau;
    /** Halvings made before the last restore (a resumed run starts a fresh plateau watch: its best loss is not saved). */
    private int restoredHalvings;
    private long step;
    /** Runs on the parameters after backward, before clipping (a data-parallel run averages gradients over its ranks here). */
    private Consumer<List<Parameter>> gradientReduction = unchanged -> {};

    public PriorTrainer(TextToImageTransformer model, Settings settings) {
        this(model, settings, MixedPrecision.fp32());
    }

    /**
     * A trainer in {@code precision}: fp32, or mixed (DALL·E 2.4: resblock products and activations in
     * fp16, one gradient scale per resblock — or one global scale — and Adam moments in the 16-bit
     * formats; the resblock weights are whatever the model stores, F16 as the paper when built with
     * {@code new TextToImageTransformer(config, seed, DType.F16)}, else fp32 masters cast at use).
     * Activation checkpointing is off in mixed mode (ResblockStack).
     */
    public PriorTrainer(TextToImageTransformer model, Settings settings, MixedPrecision precision) {
        this(model, settings, precision, 1);
    }

    /** As above for one of {@code dataParallelRanks} data-parallel ranks (M: the scales start at M·2^13, DALL·E 2.4). */
    public PriorTrainer(TextToImageTransformer model, Settings settings, MixedPrecision precision, int dataParallelRanks) {
        this.model = model;
        this.settings = settings;
        this.parameters = model.parameters();
        this.precision = Objects.requireNonNull(precision, "precision");
        this.adam = new AdamW(parameters, 0, settings.beta1(), settings.beta2(), settings.eps(), settings.weightDecay())
                .withVarianceClip(settings.varianceClip());
        if (precision.mixed()) {
            adam.withSixteenBitMoments();
            scaler = new GradScaler(precision, parameters, dataParallelRanks);
            model.stack().resblocks().forEach((name, block) -> scaler.register(name, block.parameters()));
        } else {
            scaler = null;
        }
        this.ema = new ParameterEma(parameters, settings.emaDecay());
        this.warmup = Schedule.linearWarmup(settings.peakLr(), Math.max(1, settings.warmupSteps()));
        this.plateau = new HalveOnPlateau(Math.max(1, settings.plateauPatience()), MAX_HALVINGS);
    }

    public TextToImageTransformer model() { return model; }

    public Settings settings() { return settings; }

    /** Updates done so far. */
    public long steps() { return step; }

    /** The parameter average; {@code try (var s = trainer.ema().swapIn()) { sample... }} uses it. */
    public ParameterEma ema() { return ema; }

    /** Installs what runs on the gradients between backward and clipping (DistributedPriorTraining's averaging). */
    public void reduceGradientsWith(Consumer<List<Parameter>> reduction) { this.gradientReduction = Objects.requireNonNull(reduction, "gradient reduction"); }

    /** The learning rate the next step uses: warmup, times the plateau factor. */
    public double learningRate() { return warmup.value(step + 1) * Math.scalb(1.0, -halvings()); }

    /** Times the learning rate has been halved on a plateau (at most 5). */
    public int halvings() { return Math.min(MAX_HALVINGS, restoredHalvings + plateau.halvings()); }

    /** One update on caption BPE ids (each at most captionRoom(), already truncated) and image token grids [B][grid²]. */
    public StepResult step(List<int[]> captions, int[][] imageTokens) {
        if (captions.size() != imageTokens.length || captions.isEmpty()) {
            throw new IllegalArgumentException("PriorTrainer.step: " + captions.size() + " captions and " + imageTokens.length + " images; need one caption per image");
        }
        for (int[] grid : imageTokens) {
            if (grid.length != model.config().imageTokens()) {
                throw new IllegalArgumentException("PriorTrainer.step: an image has " + grid.length + " tokens, the model expects " + model.config().imageTokens());
            }
        }
        try (Tensor text = model.textBatch(captions); Tensor image = TextToImageTransformer.ids(imageTokens, model.config().imageTokens())) {
            return step(text, image);
        }
    }

    /** One update on text rows I64 [B, L] (see TextToImageTransformer.textBatch) and image ids I64 [B, N]. */
    public StepResult step(Tensor text, Tensor image) {
        adam.zeroGrad();
        PriorLoss.Value loss = model.loss(text, image, settings.checkpointing() && scaler == null, scaler);
        (scaler == null ? loss.total() : scaler.scaleLoss(loss.total())).backward();
        if (scaler != null) scaleHistory.add(scaler.unscale().scales());
        gradientReduction.accept(parameters);
        double norm = GradClipping.clipGlobalNorm(parameters, settings.clipNorm());
        double lr = learningRate();
        boolean skip = !Double.isFinite(norm);
        if (!skip) {
            adam.setLr(lr);
            adam.step();
            ema.update();
            step++;
        }
        adam.zeroGrad();
        return new StepResult(step, loss.total().value().getDouble(0), loss.text(), loss.image(), norm, lr, skip);
    }

    /** Mean losses of the current weights over some batches (see {@link #evaluate}). */
    public record Evaluation(double loss, double textLoss, double imageLoss, int batches) {}

    /**
     * The mean loss of the weights the model holds now (the raw ones, or the EMA's while swapped in) over {@code batches}, without a graph and
     * in fp32 whatever the training precision, so runs of either precision are measured alike.
     */
    public Evaluation evaluate(List<PriorBatches.Batch> batches) {
        if (batches.isEmpty()) throw new IllegalArgumentException("PriorTrainer.evaluate: no batches");
        double total = 0, text = 0, image = 0;
        try (var off = Autograd.noGrad()) {
            for (PriorBatches.Batch b : batches) {
                try (Tensor t = model.textBatch(b.captions()); Tensor i = TextToImageTransformer.ids(b.imageTokens(), model.config().imageTokens())) {
                    PriorLoss.Value v = model.loss(t, i, false);
                    total += v.total().value().getDouble(0);
                    text += v.text();
                    image += v.image();
                }
            }
        }
        int n = batches.size();
        return new Evaluation(total / n, text / n, image / n, n);
    }

    public MixedPrecision precision() { return precision; }

    /**
     * Bytes of the parameters plus their Adam moments (the paper's memory count of section 2.4):
     * 12 per parameter in fp32; in mixed precision 2 + 2 + 2 for the resblocks' F16 weight matrices
     * (no master copy) and 4 + 2 + 2 for the F32 rest.
     */
    public long parameterAndMomentBytes() {
        long bytes = adam.momentBytes();
        for (Parameter p : parameters) bytes += p.numel() * p.dtype().byteSize();
        return bytes;
    }

    /** Each update's per-resblock scales (mixed precision), oldest first, across resumes; empty in fp32. */
    public List<double[]> scaleHistory() { return scaleHistory.stream().map(double[]::clone).toList(); }

    /** The gradient scales (mixed precision), or null in fp32. */
    public GradScaler gradScaler() { return scaler; }

    /**
     * Writes each resblock's gradient scale over this run's updates as a PNG (the paper's figure 12),
     * log scale; nothing in fp32 (there are no scales).
     */
    public void writeScalePlot(Path png) {
        if (scaler == null || scaleHistory.isEmpty()) return;
        List<String> names = scaler.blockNames();
        LinePlot plot = new LinePlot().title("gradient scale per resblock").xLabel("update").yLabel("scale").logY(true);
        for (int b = 0; b < names.size(); b++) {
            double[] y = new double[scaleHistory.size()];
            for (int t = 0; t < y.length; t++) y[t] = scaleHistory.get(t)[b];
            plot.series(names.get(b), y);
        }
        plot.write(png);
    }

    /** Reports a held-out loss; halves the learning rate after plateauPatience reports without improvement (at most 5 times). */
    public boolean observeValidationLoss(double loss) {
        return settings.plateauPatience() > 0 && plateau.observe(loss);
    }

    // ---------------------------------------------------------------- checkpoints

    /** Writes model, EMA, Adam state, step and config to one safetensors file, atomically. */
    public void save(Path path) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Parameter> named = model.namedParameters();
        int i = 0;
        for (var e : named.entrySet()) {
            tensors.put("model." + e.getKey(), e.getValue().value());
            tensors.put("ema." + e.getKey(), ema.shadow(i++));
        }
        for (var e : adam.stateDict(named).entrySet()) tensors.put("adam." + e.getKey(), e.getValue());
        if (scaler != null) tensors.putAll(scaler.stateDict());
        if (!scaleHistory.isEmpty()) {
            // the figure-12 history, so a resumed run's plot covers the whole run
            int blocks = scaleHistory.getFirst().length;
            double[] flat = new double[scaleHistory.size() * blocks];
            for (int t = 0; t < scaleHistory.size(); t++) System.arraycopy(scaleHistory.get(t), 0, flat, t * blocks, blocks);
            tensors.put("grad_scale_history", Tensor.of(flat, scaleHistory.size(), blocks));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("precision", precision.mixed() ? "mixed" : "fp32");
        meta.put("format", "tessel-prior-1");
        meta.put("config", Json.write(configJson(model.config())));
        meta.put("step", Long.toString(step));
        meta.put("plateau_halvings", Integer.toString(halvings()));
        Safetensors.write(path, tensors, meta);
    }

    /** The config a checkpoint was written with (to build a matching model before {@link #restore}). */
    public static TransformerConfig configOf(Path checkpoint) {
        try (SafetensorsFile file = Safetensors.read(checkpoint)) {
            String config = file.metadata().get("config");
            if (!"tessel-prior-1".equals(file.metadata().get("format")) || config == null) {
                throw new IllegalArgumentException(checkpoint + " is not a tessel prior checkpoint (no tessel-prior-1 metadata)");
            }
            return configFromJson((Map<?, ?>) Json.parse(config));
        }
    }

    /** The model a checkpoint holds, with its EMA weights (what sampling uses, as the paper does). */
    public static TextToImageTransformer loadEma(Path checkpoint) {
        TextToImageTransformer model = new TextToImageTransformer(configOf(checkpoint), 0);
        try (SafetensorsFile file = Safetensors.read(checkpoint)) {
            Map<String, Tensor> ema = new LinkedHashMap<>();
            for (String name : model.namedParameters().keySet()) ema.put(name, file.tensor("ema." + name));
            model.loadStateDict(ema, true);
        }
        return model;
    }

    /** Restores what {@link #save} wrote into this trainer; the model's config must equal the checkpoint's. */
    public void restore(Path path) {
        TransformerConfig saved = configOf(path);
        if (!saved.equals(model.config())) {
            throw new IllegalArgumentException(path + " holds a model of another shape: " + saved + "; this model is " + model.config());
        }
        try (SafetensorsFile file = Safetensors.read(path)) {
            Map<String, Tensor> weights = new LinkedHashMap<>(), optimizer = new LinkedHashMap<>(), scales = new LinkedHashMap<>();
            for (String name : file.names()) {
                if (name.startsWith("model.")) weights.put(name.substring(6), file.tensor(name));
                if (name.startsWith("adam.")) optimizer.put(name.substring(5), file.tensor(name));
                if (name.startsWith("grad_scale.")) scales.put(name, file.tensor(name));   // not grad_scale_history: no dot
            }
            String savedPrecision = file.metadata().getOrDefault("precision", "fp32");
            if (!savedPrecision.equals(precision.mixed() ? "mixed" : "fp32")) {
                throw new IllegalArgumentException(path + " was trained in " + savedPrecision + " precision; this trainer runs "
                        + (precision.mixed() ? "mixed" : "fp32") + " (resume with the same --precision)");
            }
            if (scaler != null) scaler.loadStateDict(scales);
            scaleHistory.clear();
            if (scaler != null && file.names().contains("grad_scale_history")) {
                Tensor h = file.tensor("grad_scale_history");
                double[] flat = new double[(int) h.numel()];
                for (int i = 0; i < flat.length; i++) flat[i] = h.getDouble(i);
                int blocks = h.dim(1);
                for (int t = 0; t < h.dim(0); t++) scaleHistory.add(java.util.Arrays.copyOfRange(flat, t * blocks, (t + 1) * blocks));
            }
            model.loadStateDict(weights, true);
            int i = 0;
            for (String name : model.namedParameters().keySet()) ema.shadow(i++).copyFrom(file.tensor("ema." + name));
            adam.loadStateDict(optimizer, model.namedParameters());
            step = Long.parseLong(file.metadata().get("step"));
            restoredHalvings = Integer.parseInt(file.metadata().getOrDefault("plateau_halvings", "0")) - plateau.halvings();
        }
    }

    static Map<String, Object> configJson(TransformerConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", c.layers());
        m.put("d_model", c.dModel());
        m.put("heads", c.heads());
        m.put("text_length", c.textLength());
        m.put("text_vocab", c.textVocab());
        m.put("grid", c.grid());
        m.put("image_vocab", c.imageVocab());
        m.put("conv_kernel", c.convKernel());
        return m;
    }

    static TransformerConfig configFromJson(Map<?, ?> m) {
        return new TransformerConfig(integer(m, "layers"), integer(m, "d_model"), integer(m, "heads"), integer(m, "text_length"),
                integer(m, "text_vocab"), integer(m, "grid"), integer(m, "image_vocab"), integer(m, "conv_kernel"));
    }

    private static int integer(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof Long v)) throw new IllegalArgumentException("prior checkpoint config: '" + key + "' missing or not an integer in " + m);
        return Math.toIntExact(v);
    }
}
