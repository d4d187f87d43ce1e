// DvaeTrainCommand: `./tessel dvae train`: trains a dVAE with a progress bar, checkpoints, a
// training log and a loss-curve PNG, and resumes after a kill.
//
// Invariants: everything a run writes lives in --out: checkpoint.safetensors (replaced
// atomically every --checkpoint-every steps and at the end), train-log.csv (one row per step,
// cut back to the checkpoint's step on --resume so it never holds steps the model forgot),
// loss.png and, in mixed precision, loss-scale.png (both redrawn at each checkpoint). A resumed
// run keeps the precision of its checkpoint.
package dev.tessel.cli.dvae;

import dev.tessel.autograd.mixed.GradScale;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DatasetBatches;
import dev.tessel.models.dvae.DvaeConfig;
import dev.tessel.models.dvae.DvaeTrainer;
import dev.tessel.models.dvae.DvaeTrainingSettings;
import dev.tessel.models.dvae.Likelihood;
import dev.tessel.models.report.ProgressBar;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class DvaeTrainCommand implements Verb {
    static final String CHECKPOINT = "checkpoint.safetensors";
    static final String SCALE_PLOT = "loss-scale.png";

    @Override public String name() { return "dvae train"; }

    @Override public String summary() { return "train a dVAE"; }

    @Override public String synopsis() { return "--out DIR [options]"; }

    @Override
    public String description() {
        return """
                Trains the DALL-E discrete VAE on the data set: gumbel-softmax relaxation, temperature 1 -> 1/16 and
                KL weight 0 -> --kl-weight on cosine schedules scaled to --steps, uniform-prior KL, loss per value, AdamW,
                parameter EMA, global-norm clipping. Writes DIR/checkpoint.safetensors (model, EMA, optimizer, step,
                settings; atomically, every --checkpoint-every steps and at the end), DIR/train-log.csv and
                DIR/loss.png. --resume continues from DIR/checkpoint.safetensors with the settings saved there and
                repeats the same steps the killed run would have taken. --precision mixed runs the blocks' residual
                paths in fp16 (conv weights cast from fp32 masters; the identity path, biases, input/output convs and
                logits stay fp32) with one global loss scale (2^13 at the start, x2^(1/1000) per finite update, /sqrt(2)
                and the update skipped on overflow), as DALL-E trained its dVAE; the scale is saved in the checkpoint,
                logged and drawn in DIR/loss-scale.png. Presets: tiny (32x32, 8x8 tokens of 512, n_hid 16, 3 groups
                of 1 block; a fixed-sigma Gaussian likelihood, since the paper's logit-Laplace does not get past the
                background in a short run, docs/results.md) and paper (256x256, 32x32 tokens of 8192, n_hid 256,
                4 groups of 2; logit-Laplace).""";
    }

    @Override
    public List<OptionSpec> options() {
        List<OptionSpec> o = new ArrayList<>(DvaeData.OPTIONS);
        o.addAll(List.of(
                OptionSpec.value("out", "DIR", null, "output folder (created if missing)"),
                OptionSpec.value("preset", "NAME", "tiny", "tiny or paper"),
                OptionSpec.value("steps", "N", "2000", "number of updates (the schedules scale to it)"),
                OptionSpec.value("batch", "B", "32", "images per update"),
                OptionSpec.value("lr", "X", Double.toString(DvaeTrainingSettings.DEFAULT_LR), "peak learning rate (cosine to lr/80 over the run)"),
                OptionSpec.value("kl-weight", "X", null, "final KL weight (default: 6.6 with logit-laplace, the paper's; 1 with gaussian, docs/results.md)"),
                OptionSpec.value("likelihood", "NAME", null, "logit-laplace (the paper's) or gaussian (fixed sigma 0.1) (default: gaussian for tiny, logit-laplace for paper)"),
                OptionSpec.value("seed", "N", "0", "seed of the initial weights and the gumbel noise"),
                OptionSpec.value("checkpoint-every", "N", "100", "steps between checkpoints"),
                OptionSpec.value("channels", "C", null, "image channels, 1 or 3 (default: 1 for fashion-mnist, else 3)"),
                OptionSpec.value("threads", "T", null, "CPU threads (default: -Dtessel.threads, else all cores)"),
                OptionSpec.value("precision", "fp32|mixed", "fp32", "mixed: fp16 residual paths with one global loss scale (DALL-E's dVAE); --resume keeps the checkpoint's"),
                OptionSpec.flag("straight-through", "decode the one-hot of each gumbel sample (relaxed gradient), not the relaxed sample"),
                OptionSpec.flag("resume", "continue from DIR/checkpoint.safetensors")));
        return o;
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel dvae train --data shapes --preset tiny --steps 2000 --out runs/dvae-shapes",
                "./tessel dvae train --data shapes --steps 2000 --precision mixed --out runs/dvae-shapes-mixed",
                "./tessel dvae train --out runs/dvae-shapes --resume");
    }

    @Override
    public int run(Arguments args, PrintStream out) throws IOException {
        args.noPositionals();
        if (!args.given("out")) throw new UsageException(name(), "--out DIR is required (where the checkpoint and logs go)");
        MixedPrecision precision;
        try {
            precision = MixedPrecision.parse(args.string("precision"), MixedPrecision.Scaling.GLOBAL);
        } catch (IllegalArgumentException e) {
            throw new UsageException(name(), e.getMessage());
        }
        setThreads(args);
        Path dir = Path.of(args.string("out"));
        Files.createDirectories(dir);
        Path checkpoint = dir.resolve(CHECKPOINT);
        String data = args.string("data");
        DvaeTrainer trainer;
        Map<String, String> meta = new LinkedHashMap<>();
        if (args.flag("resume")) {
            if (!Files.exists(checkpoint)) throw new UsageException(name(), "--resume: no " + checkpoint + " to resume from");
            Map<String, String> saved = DvaeCommands.metadata(checkpoint);
            String savedPrecision = DvaeTrainer.precisionName(DvaeTrainer.precisionOf(saved));
            if (args.given("precision") && !savedPrecision.equals(DvaeTrainer.precisionName(precision))) {
                throw new UsageException(name(), "--resume: " + checkpoint + " was trained with --precision " + savedPrecision
                        + "; a run keeps its precision (drop --precision, or start a new run in another --out)");
            }
            trainer = DvaeTrainer.resume(checkpoint, args.given("steps") ? args.longValue("steps") : 0);
            data = saved.getOrDefault("data", data);
            meta.put("data", data);
            meta.put("data_seed", saved.getOrDefault("data_seed", "0"));
            out.println("resuming " + checkpoint + " at step " + trainer.step() + " of " + trainer.settings().steps());
        } else {
            DvaeConfig preset = switch (args.choice("preset", "tiny", "paper")) {
                case "paper" -> DvaeConfig.paper();
                default -> DvaeConfig.tiny();
            };
            long steps = args.longValue("steps");
            if (steps < 1) throw new UsageException(name(), "--steps must be >= 1, got " + steps);
            if (args.given("likelihood")) preset = preset.withLikelihood(Likelihood.parse(args.string("likelihood"), "--likelihood"));
            DvaeTrainingSettings defaults = DvaeTrainingSettings.forRun(steps, args.integer("batch", 1, 1 << 16), args.longValue("seed"), preset.likelihood());
            DvaeTrainingSettings settings = new DvaeTrainingSettings(defaults.batchSize(), steps, args.number("lr"), defaults.learningRateEndRatio(),
                    args.given("kl-weight") ? args.number("kl-weight") : defaults.klWeight(), defaults.klWarmupFraction(), defaults.temperatureEnd(), defaults.temperatureFraction(),
                    defaults.weightDecay(), defaults.gradClip(), defaults.emaDecay(), defaults.seed(), args.integer("checkpoint-every", 1, Integer.MAX_VALUE),
                    args.flag("straight-through"));
            int channels = args.given("channels") ? args.integer("channels", 1, 3) : DvaeData.defaultChannels(data);
            trainer = new DvaeTrainer(preset.withChannels(channels), settings, precision);
            meta.put("data", data);
            meta.put("data_seed", Long.toString(args.longValue("data-seed")));
            out.printf("training %s on %s: %d parameters, %d steps of %d images, %s%n", trainer.model().config(), data,
                    trainer.model().parameterCount(), steps, settings.batchSize(),
                    precision.mixed() ? "mixed precision (one global loss scale)" : "fp32");
        }
        DvaeConfig config = trainer.model().config();
        ImageCaptionDataset train = DvaeData.open(name(), data, args.given("data-dir") ? args.string("data-dir") : null,
                Long.parseLong(meta.get("data_seed")), Split.TRAIN, config.imageSize(), config.channels());
        DvaeData.checkShape(name(), train, config);
        TrainingLog log = TrainingLog.open(dir, trainer.step());
        DatasetBatches batches = new DatasetBatches(train, trainer.settings().batchSize(), trainer.settings().seed());
        long startStep = trainer.step();
        long t0 = System.nanoTime();
        try (ProgressBar bar = ProgressBar.create("dvae train", trainer.settings().steps()).rateIn(trainer.settings().batchSize(), "img")) {
            GradScale scale = trainer.lossScale();
            trainer.train(batches, checkpoint, meta, r -> {
                log.add(r);
                if (r.step() % trainer.settings().checkpointEvery() == 0 || r.step() == r.steps()) {
                    log.flush();
                    trainer.writeScalePlot(dir.resolve(SCALE_PLOT));
                }
                bar.field("loss", r.loss()).field("tau", r.temperature()).field("kl_w", r.klWeight());
                if (scale != null) bar.field("scale", r.lossScale()).field("skipped", Long.toString(scale.skipped()));
                bar.update(r.step());
            });
        }
        log.flush();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long done = trainer.step() - startStep;
        out.printf("trained %d steps in %.1f s (%.3f steps/s, %.1f images/s)%n", done, seconds, done / seconds,
                done * trainer.settings().batchSize() / seconds);
        GradScale scale = trainer.lossScale();
        if (scale != null) {
            out.printf("mixed precision: loss scale %.6g, %d of %d updates skipped (fp16 overflow)%n", scale.value(), scale.skipped(), scale.updates());
        }
        out.println("checkpoint: " + checkpoint);
        out.println("loss curve: " + dir.resolve(TrainingLog.PLOT));
        if (scale != null) out.println("loss scale: " + dir.resolve(SCALE_PLOT));
        return 0;
    }

    static void setThreads(Arguments args) {
        if (!args.given("threads")) return;
        int threads = args.integer("threads", 1, 1024);
        System.setProperty("tessel.threads", Integer.toString(threads));
        if (CpuThreads.threads() != threads) {
            throw new UsageException(null, "the CPU thread pool already runs " + CpuThreads.threads() + " threads; --threads must come before any work");
        }
    }
}
