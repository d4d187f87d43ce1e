// PriorStage: stage 2 of the demo: the text-to-image transformer trained on (caption BPE ids,
// dVAE tokens) pairs of the training split, within its budget, into the stage cache; and loaded from it.
//
// Invariants: it reads only TRAIN examples (a pool of the first priorPool of them, tokenised once
// by the dVAE and cached with the stage, TokenizedPriorData); batch t depends only on (seed, t), so a
// resume sees the batches an unbroken run would; sampling uses the EMA weights, as the paper does.
package dev.tessel.models.pipeline;

import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.report.AtomicFile;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.models.transformer.PriorBatches;
import dev.tessel.models.transformer.PriorTrainer;
import dev.tessel.models.transformer.TextToImageTransformer;
import dev.tessel.models.transformer.TransformerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

/** Training and loading of the demo's transformer. */
final class PriorStage {
    /** Convolutional kernel of the last layer: the model's default, clamped at the grid's border. */
    static final int CONV_KERNEL = 11;

    private PriorStage() {}

    /** Batches of {@link DemoConfig#priorBatch()} over which the trained model's loss is measured on each split. */
    static final int LOSS_BATCHES = 8;

    record Result(TextToImageTransformer model, float[] losses, StageReport report) {}

    static TransformerConfig modelConfig(DemoConfig c, BpeTokenizer bpe, DvaeTokenizer dvae) {
        return new TransformerConfig(c.priorLayers(), c.priorWidth(), c.priorHeads(), c.priorTextLength(), bpe.vocabSize(),
                dvae.gridSize(), dvae.vocabSize(), CONV_KERNEL);
    }

    /** The demo's training settings for a run of {@code steps} updates (the warmup is a tenth of it, at most 100). */
    static PriorTrainer.Settings settings(DemoConfig c, long steps) {
        long warmup = Math.max(1, Math.min(100, steps / 10));
        // paper betas, eps, weight decay, variance clip 5 and norm clip 4; no plateau watch (no validation
        // loss in a demo run); no activation checkpointing (the models are small)
        return new PriorTrainer.Settings(c.priorLr(), warmup, 0.9, 0.96, 1e-8, 4.5e-2, 5, 4, 0.99, 0, false);
    }

    static StageCache.Entry entry(DemoConfig config, StageCache cache) { return cache.entry("prior", config.priorKey()); }

    /** The trained stage with its EMA weights swapped in, as sampling uses them; {@code reused} says it was trained before this run. */
    static Result load(DemoConfig config, StageCache cache, BpeTokenizer bpe, DvaeTokenizer dvae, boolean reused) {
        StageCache.Entry entry = entry(config, cache);
        TextToImageTransformer model = new TextToImageTransformer(modelConfig(config, bpe, dvae), config.seed());
        withEmaWeights(config, entry, model);
        return new Result(model, LossFile.read(entry.file("losses.txt")), StageReport.fromDone("transformer", entry, reused));
    }

    /** A trainer of {@code model} restored from the stage's checkpoint, its EMA weights swapped into the model. */
    private static PriorTrainer withEmaWeights(DemoConfig config, StageCache.Entry entry, TextToImageTransformer model) {
        PriorTrainer trained = new PriorTrainer(model, settings(config, scheduledSteps(entry.file("schedule.txt"), config.priorBudget().steps())));
        trained.restore(entry.file("prior.safetensors"));
        trained.ema().swapIn();
        return trained;
    }

    /**
     * Tokenises the pool, trains the stage (resuming its checkpoint if a run was cut short), marks it
     * done and prints the trained model's loss on its pool and on test examples.
     */
    static void train(DemoConfig config, StageCache cache, BpeTokenizer bpe, DvaeTokenizer dvae, LongFunction<ProgressBar> bars, PrintStream log) {
        StageCache.Entry entry = entry(config, cache);
        Path checkpoint = entry.file("prior.safetensors"), losses = entry.file("losses.txt"), poolFile = entry.file("pool.safetensors");
        Path scheduleFile = entry.file("schedule.txt");
        TextToImageTransformer model = new TextToImageTransformer(modelConfig(config, bpe, dvae), config.seed());
        long scheduled = scheduledSteps(scheduleFile, config.priorBudget().steps());
        PriorTrainer first = new PriorTrainer(model, settings(config, scheduled));
        ShapesDataset train = new ShapesDataset(Split.TRAIN, config.dataSeed(), config.imageSize());
        long poolStart = System.nanoTime();
        TokenizedPriorData data = TokenizedPriorData.prepare(train, dvae, bpe, config.priorPool(), config.priorBatch(),
                model.config().captionRoom(), config.seed(), poolFile, config.priorKey(), log);
        // tokenising the pool is part of this stage's time: the training cap shrinks by it (to at least half)
        double poolSeconds = (System.nanoTime() - poolStart) / 1e9;
        TrainingLoop.Budget budget = new TrainingLoop.Budget(config.priorBudget().steps(),
                Math.max(config.priorBudget().seconds() / 2, config.priorBudget().seconds() - poolSeconds));
        if (Files.isRegularFile(checkpoint)) first.restore(checkpoint);
        TrainingLoop.Run run = new TrainingLoop.Run() {
            private PriorTrainer trainer = first;
            private long scheduleLength = scheduled;
            private PriorTrainer.StepResult last;

            @Override public long step() { return trainer.steps(); }

            @Override public long scheduledSteps() { return scheduleLength; }

            @Override public float[] previousLosses() { return trainer.steps() == 0 ? new float[0] : LossFile.read(losses); }

            @Override public double trainStep() {
                TokenizedPriorData.Batch batch = data.batch(trainer.steps());
                last = trainer.step(batch.captions(), batch.imageTokens());
                return last.loss();
            }

            @Override public Map<String, Double> fields() {
                return last == null ? Map.of() : Map.of("img", last.imageLoss(), "txt", last.textLoss(), "lr", last.lr());
            }

            @Override public void save(float[] history) {
                trainer.save(checkpoint);
                LossFile.write(losses, history);
            }

            @Override public void fitSchedule(long steps) {
                // the warmup length is fixed when a trainer is built: save, rebuild with the new length, restore
                trainer.save(checkpoint);
                trainer = new PriorTrainer(model, settings(config, steps));
                trainer.restore(checkpoint);
                scheduleLength = steps;
                AtomicFile.write(scheduleFile, Long.toString(steps).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }

        };
        TrainingLoop.Outcome outcome = TrainingLoop.run(run, budget, DvaeStage.checkpointEvery(config.priorBudget()), bars);
        entry.markDone(outcome);
        printLosses(withEmaWeights(config, entry, model), data, config, bpe, dvae, entry, log);
    }

    /**
     * Prints the trained (EMA) model's loss on its training pool (no BPE dropout) and on as many
     * test-split examples it never saw: the gap between the two is what it memorised.
     */
    private static void printLosses(PriorTrainer trainer, TokenizedPriorData pool, DemoConfig config, BpeTokenizer bpe, DvaeTokenizer dvae,
                                    StageCache.Entry entry, PrintStream log) {
        TextToImageTransformer model = trainer.model();
        ShapesDataset testSplit = new ShapesDataset(Split.TEST, config.dataSeed(), config.imageSize());
        TokenizedPriorData test = TokenizedPriorData.prepare(testSplit, dvae, bpe, LOSS_BATCHES * config.priorBatch(), config.priorBatch(),
                model.config().captionRoom(), config.seed(), entry.file("test-pool.safetensors"), config.priorKey() + ",split=test", log).withoutDropout();
        TokenizedPriorData poolNoDropout = pool.withoutDropout();
        List<PriorBatches.Batch> poolBatches = new ArrayList<>(), testBatches = new ArrayList<>();
        for (int i = 0; i < LOSS_BATCHES; i++) {
            poolBatches.add(poolNoDropout.batch(i));
            testBatches.add(test.batch(i));
        }
        PriorTrainer.Evaluation onPool = trainer.evaluate(poolBatches), onTest = trainer.evaluate(testBatches);
        log.printf(Locale.ROOT, "  transformer loss (EMA weights, %d x %d examples): training pool %.4f (text %.4f, image %.4f), "
                        + "test split %.4f (text %.4f, image %.4f)%n", LOSS_BATCHES, config.priorBatch(), onPool.loss(), onPool.textLoss(),
                onPool.imageLoss(), onTest.loss(), onTest.textLoss(), onTest.imageLoss());
    }

    /** The schedule length a fitted run stored, else the budget's. */
    static long scheduledSteps(Path scheduleFile, long budgetSteps) {
        if (!Files.isRegularFile(scheduleFile)) return budgetSteps;
        try {
            return Long.parseLong(Files.readString(scheduleFile).strip());
        } catch (java.io.IOException | NumberFormatException e) {
            throw new IllegalArgumentException("cannot read the schedule length in " + scheduleFile + ": " + e.getMessage(), e);
        }
    }
}
