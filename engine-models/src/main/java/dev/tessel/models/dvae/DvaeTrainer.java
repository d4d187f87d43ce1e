// DvaeTrainer: the dVAE training loop of the paper (appendix A.2) scaled to a run of N steps,
// with atomic checkpoints and an exact resume.
//
// Invariants: everything random in step t is a pure function of (seed, t): the batch comes from
// Batches.batch(t) and the Gumbel noise from Philox(seed, t · noiseBlocksPerStep); schedules
// are pure functions of t (Schedule). So a run resumed from the checkpoint written after step t
// computes the same steps t+1.. as the run that was killed. A checkpoint is one safetensors file
// (model, EMA, AdamW moments, step, settings, config, precision and, in mixed precision, the loss
// scale's state and history) replaced atomically. In mixed precision a step whose scaled gradients
// overflow fp16 changes no parameter, moment or EMA value; it only lowers the scale (GradScale).
package dev.tessel.models.dvae;

import dev.tessel.autograd.mixed.GradScale;
import dev.tessel.autograd.mixed.GradScaler;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.autograd.optim.GradClipping;
import dev.tessel.autograd.optim.ParameterEma;
import dev.tessel.autograd.optim.Schedule;
import dev.tessel.models.report.LinePlot;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Trains one {@link Dvae}. Not thread-safe; the kernels use the Cpu pool underneath. */
public final class DvaeTrainer {
    /** Metadata value of "format" in every dVAE checkpoint. */
    public static final String FORMAT = "tessel.dvae.checkpoint.v1";
    /** Checkpoint tensor of the loss scale after each update (mixed precision); not under "grad_scale." so the scaler ignores it. */
    private static final String SCALE_HISTORY = "grad_scale_history";

    /** Source of training images: batch(t) is [B, C, S, S] F32 in [0, 1] and depends on t only. */
    @FunctionalInterface
    public interface Batches {
        Tensor batch(long step);
    }

    /**
     * What one finished update reports (step counts completed updates, from 1). gradNorm is NaN when
     * the scaled gradients overflowed (their true norm is unknown); lossScale is the global loss
     * scale after the update in mixed precision, 1 in fp32 (the loss is not scaled).
     */
    public record StepReport(long step, long steps, double loss, double reconstructionNll, double kl, double temperature,
                             double klWeight, double learningRate, double gradNorm, boolean skipped, double lossScale,
                             double secondsThisStep) {}

    @FunctionalInterface
    public interface Listener {
        void onStep(StepReport report);
    }

    private final Dvae model;
    private final DvaeTrainingSettings settings;
    private final MixedPrecision precision;
    /** The one global loss scale (DALL·E trained its dVAE so), registering no resblock; null in fp32. */
    private final GradScaler scaler;
    /** The loss scale after each update, oldest first, across resumes; empty in fp32. */
    private final List<Double> scaleHistory = new ArrayList<>();
    private final List<Parameter> parameters;
    private final Map<String, Parameter> named;
    private final AdamW optimizer;
    private final ParameterEma ema;
    private final Schedule temperature, klWeight, learningRate;
    private long step;

    /** A fresh fp32 run: the model initialised from settings.seed(). */
    public DvaeTrainer(DvaeConfig config, DvaeTrainingSettings settings) {
        this(config, settings, MixedPrecision.fp32());
    }

    /**
     * A fresh run in {@code precision}: fp32, or mixed with one global loss scale
     * ({@link MixedPrecision#globalScale()}: the blocks' residual paths in fp16 from fp32 masters,
     * the scale starting at 2^13, one data-parallel rank).
     */
    public DvaeTrainer(DvaeConfig config, DvaeTrainingSettings settings, MixedPrecision precision) {
        if (precision.mixed() && precision.scaling() != MixedPrecision.Scaling.GLOBAL) {
            throw new IllegalArgumentException("dVAE training: mixed precision uses one global loss scale (DALL·E), not " + precision.scaling());
        }
        this.model = new Dvae(config, settings.seed());
        this.settings = settings;
        this.precision = precision;
        this.named = model.namedParameters();
        this.parameters = model.parameters();
        this.scaler = precision.mixed() ? new GradScaler(precision, parameters, 1) : null;
        this.optimizer = new AdamW(parameters, settings.learningRate(), 0.9, 0.999, 1e-8, settings.weightDecay());
        this.ema = new ParameterEma(parameters, settings.emaDecay());
        long n = settings.steps();
        this.temperature = Schedule.cosine(1.0, settings.temperatureEnd(), Math.max(1, Math.round(n * settings.temperatureFraction())));
        this.klWeight = Schedule.cosine(0.0, settings.klWeight(), Math.max(1, Math.round(n * settings.klWarmupFraction())));
        this.learningRate = Schedule.cosine(settings.learningRate(), settings.learningRate() * settings.learningRateEndRatio(), n);
    }

    public Dvae model() { return model; }

    public DvaeTrainingSettings settings() { return settings; }

    /** Updates completed so far. */
    public long step() { return step; }

    public ParameterEma ema() { return ema; }

    public MixedPrecision precision() { return precision; }

    /** The global loss scale (mixed precision), or null in fp32. */
    public GradScale lossScale() { return scaler == null ? null : scaler.globalScale(); }

    /** The loss scale after each update (mixed precision), oldest first, across resumes; empty in fp32. */
    public List<Double> scaleHistory() { return List.copyOf(scaleHistory); }

    /** Writes the loss scale over the run's updates as a PNG, log scale; nothing in fp32 (there is no scale). */
    public void writeScalePlot(Path png) {
        if (scaler == null || scaleHistory.isEmpty()) return;
        double[] y = scaleHistory.stream().mapToDouble(Double::doubleValue).toArray();
        new LinePlot().title("dVAE loss scale").xLabel("update").yLabel("scale").logY(true).series("global loss scale", y).write(png);
    }

    /** Temperature, KL weight and learning rate of update {@code t} (0-based). */
    public double[] schedulesAt(long t) { return new double[] {temperature.value(t), klWeight.value(t), learningRate.value(t)}; }

    /**
     * Runs updates until settings.steps(), writing {@code checkpoint} every settings.checkpointEvery()
     * updates and after the last. {@code extraMetadata} (e.g. which data set) goes into every checkpoint.
     */
    public void train(Batches data, Path checkpoint, Map<String, String> extraMetadata, Listener listener) {
        while (step < settings.steps()) {
            StepReport r = trainStep(data);
            if (checkpoint != null && (step % settings.checkpointEvery() == 0 || step == settings.steps())) {
                saveCheckpoint(checkpoint, extraMetadata);
            }
            if (listener != null) listener.onStep(r);
        }
    }

    /**
     * One update: forward, backward, clip, AdamW, EMA. A non-finite gradient norm skips the update
     * (and says so). In mixed precision the loss is multiplied by the loss scale before backward,
     * the gradients are unscaled (and filtered) after it, and an overflow skips the update and
     * lowers the scale; the step still counts, so the schedules and the data stay functions of t.
     */
    public StepReport trainStep(Batches data) {
        long t0 = System.nanoTime();
        long t = step;
        double tau = temperature.value(t), beta = klWeight.value(t), lr = learningRate.value(t);
        optimizer.setLr(lr);
        Tensor images = data.batch(t);
        Dvae.Elbo elbo = model.relaxedElbo(images, tau, beta, settings.seed(), t * model.noiseBlocksPerStep(images.dim(0)),
                settings.straightThrough(), precision);
        double loss = elbo.loss().value().getDouble(0);
        boolean overflow = false;
        if (scaler == null) {
            elbo.loss().backward();
        } else {
            GradScale scale = scaler.globalScale();
            long skippedBefore = scale.skipped();
            scaler.scaleLoss(elbo.loss()).backward();
            scaler.unscale();                       // on overflow every gradient is dropped
            // no resblock is registered, so the outcome is read off the one scale's skip count
            overflow = scale.skipped() > skippedBefore;
            scaleHistory.add(scale.value());
        }
        double norm = overflow ? Double.NaN : GradClipping.clipGlobalNorm(parameters, settings.gradClip());
        boolean skip = overflow || !Double.isFinite(norm) || !Double.isFinite(loss);
        if (!skip) {
            optimizer.step();
            ema.update();
        }
        optimizer.zeroGrad();
        step = t + 1;
        return new StepReport(step, settings.steps(), loss, elbo.reconstructionNll(), elbo.kl(), tau, beta, lr, norm, skip,
                scaler == null ? 1 : scaler.globalScale().value(), (System.nanoTime() - t0) / 1e9);
    }

    // ---------------------------------------------------------------- checkpoints

    /** Writes model, EMA, optimizer state, step, settings and config to {@code path} atomically. */
    public void saveCheckpoint(Path path, Map<String, String> extraMetadata) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        named.forEach((name, p) -> tensors.put("model." + name, p.value()));
        int i = 0;
        for (Parameter p : parameters) tensors.put("ema." + nameOf(p), ema.shadow(i++));
        optimizer.stateDict(named).forEach((k, v) -> tensors.put("optim." + k, v));
        if (scaler != null) {
            tensors.putAll(scaler.stateDict());
            if (!scaleHistory.isEmpty()) {
                double[] history = scaleHistory.stream().mapToDouble(Double::doubleValue).toArray();
                tensors.put(SCALE_HISTORY, Tensor.of(history, history.length));   // F64: restored exactly
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(extraMetadata == null ? Map.of() : extraMetadata);
        meta.put("format", FORMAT);
        meta.put("config", model.config().toJson());
        meta.put("settings", settings.toJson());
        meta.put("step", Long.toString(step));
        meta.put("precision", precisionName(precision));
        // the only random state: Philox keyed by the seed, counters derived from the step
        meta.put("rng", "{\"philox_seed\": " + settings.seed() + ", \"next_noise_offset\": "
                + step * model.noiseBlocksPerStep(settings.batchSize()) + "}");
        Safetensors.write(path, tensors, meta);
    }

    private String nameOf(Parameter p) {
        for (var e : named.entrySet()) if (e.getValue() == p) return e.getKey();
        throw new IllegalStateException("parameter " + p + " is not in the model");
    }

    /**
     * Rebuilds the trainer a checkpoint was written by, at its step: same config, settings and
     * precision, weights, EMA, AdamW moments and (mixed) the loss scale's state and history
     * restored. {@code steps} > 0 overrides the run length (the schedules then stretch to the new
     * length); 0 keeps the saved one.
     */
    public static DvaeTrainer resume(Path path, long steps) {
        try (SafetensorsFile file = Safetensors.read(path)) {
            Map<String, String> meta = file.metadata();
            checkFormat(path, meta);
            DvaeConfig config = DvaeConfig.fromJson(meta.get("config"), path.toString());
            DvaeTrainingSettings settings = DvaeTrainingSettings.fromJson(meta.get("settings"), path.toString());
            if (steps > 0) settings = settings.withSteps(steps);
            DvaeTrainer trainer = new DvaeTrainer(config, settings, precisionOf(meta));
            trainer.model.loadStateDict(prefixed(file, "model."), true);
            int i = 0;
            for (Parameter p : trainer.parameters) trainer.ema.shadow(i++).copyFrom(require(file, "ema." + trainer.nameOf(p), path));
            trainer.optimizer.loadStateDict(prefixed(file, "optim."), trainer.named);
            if (trainer.scaler != null) {
                Map<String, Tensor> scales = new LinkedHashMap<>();
                for (String name : file.names()) if (name.startsWith("grad_scale.")) scales.put(name, file.tensor(name).copy());
                trainer.scaler.loadStateDict(scales);
                if (file.contains(SCALE_HISTORY)) for (double v : file.tensor(SCALE_HISTORY).toDoubleArray()) trainer.scaleHistory.add(v);
            }
            trainer.step = Long.parseLong(meta.get("step"));
            return trainer;
        }
    }

    /** The precision a checkpoint was trained in: its "precision" metadata (checkpoints older than mixed precision are fp32). */
    public static MixedPrecision precisionOf(Map<String, String> meta) {
        return MixedPrecision.parse(meta.getOrDefault("precision", "fp32"), MixedPrecision.Scaling.GLOBAL);
    }

    /** "fp32" or "mixed", as `--precision` and the checkpoint metadata spell it. */
    public static String precisionName(MixedPrecision precision) { return precision.mixed() ? "mixed" : "fp32"; }

    static void checkFormat(Path path, Map<String, String> meta) {
        if (!FORMAT.equals(meta.get("format")) || meta.get("config") == null) {
            throw new IllegalArgumentException(path + ": not a tessel dVAE checkpoint (metadata format is " + meta.get("format")
                    + ", expected " + FORMAT + " with a config)");
        }
    }

    /** The tensors named prefix + key, as key -> tensor (read into memory, so the file may close). */
    static Map<String, Tensor> prefixed(SafetensorsFile file, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : file.names()) if (name.startsWith(prefix)) out.put(name.substring(prefix.length()), file.tensor(name).copy());
        return out;
    }

    private static Tensor require(SafetensorsFile file, String name, Path path) {
        if (!file.contains(name)) throw new IllegalArgumentException(path + ": checkpoint has no tensor '" + name + "'");
        return file.tensor(name);
    }
}
