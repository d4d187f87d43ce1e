// ClipStage: training of the reranker within a budget — the demo's stage 3, and what
// ./tessel clip train runs — plus the demo's training into and loading from the stage cache.
//
// Invariants: the reranker sees the TRAIN split only; a checkpoint that exists is resumed (its
// schedule length wins over the budget's), and the last state is always saved.
package dev.tessel.models.pipeline;

import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.clip.CaptionTokenizer;
import dev.tessel.models.clip.ClipCheckpoint;
import dev.tessel.models.clip.ClipConfig;
import dev.tessel.models.clip.ClipModel;
import dev.tessel.models.clip.ClipTrainer;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.report.ProgressBar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongFunction;

/** Train-or-resume of a reranker. */
public final class ClipStage {
    private ClipStage() {}

    public record Result(ClipModel model, TrainingLoop.Outcome outcome) {}

    /**
     * Trains a reranker of {@code config} on {@code train} (a TRAIN split), resuming {@code checkpoint}
     * when it exists, until the budget is spent; checkpoints every {@code checkpointEvery} steps.
     */
    public static Result train(ClipConfig config, CaptionTokenizer tokenizer, BpeTokenizer bpeOrNull, ImageCaptionDataset train,
                               ClipTrainer.Options options, TrainingLoop.Budget budget, Path checkpoint, int checkpointEvery,
                               LongFunction<ProgressBar> bars) {
        ClipTrainer trainer = Files.isRegularFile(checkpoint) ? ClipTrainer.resume(checkpoint, train, options, config, bpeOrNull)
                : new ClipTrainer(new ClipModel(config, tokenizer, new SplittableRandom(options.seed())), train, options, budget.steps());
        TrainingLoop.Run run = new TrainingLoop.Run() {
            @Override public long step() { return trainer.step(); }

            @Override public long scheduledSteps() { return trainer.scheduledSteps(); }

            @Override public float[] previousLosses() { return trainer.restoredLosses(); }

            @Override public double trainStep() { return trainer.trainStep(); }

            @Override public Map<String, Double> fields() { return Map.of("temp", 1 / trainer.model().logitScale()); }

            @Override public void save(float[] losses) { trainer.save(checkpoint, losses); }

            @Override public void fitSchedule(long steps) { trainer.fitSchedule(steps); }
        };
        return new Result(trainer.model(), TrainingLoop.run(run, budget, checkpointEvery, bars));
    }

    record Cached(ClipModel model, float[] losses, StageReport report) {}

    static StageCache.Entry entry(DemoConfig c, StageCache cache) { return cache.entry("clip", c.clipKey()); }

    /** The demo's trained reranker; {@code reused} says it was trained before this run. */
    static Cached loadForDemo(DemoConfig c, StageCache cache, BpeTokenizer bpe, boolean reused) {
        StageCache.Entry entry = entry(c, cache);
        ClipCheckpoint.Loaded loaded = ClipCheckpoint.load(entry.file("clip.safetensors"), (name, context) -> CaptionTokenizer.forCheckpoint(name, context, bpe));
        return new Cached(loaded.model(), loaded.state().losses(), StageReport.fromDone("reranker", entry, reused));
    }

    /**
     * Trains the demo's reranker into the stage cache and marks it done: BPE captions (the transformer's
     * vocabulary), trained also on {@code dvae}'s reconstructions when the config says so.
     */
    static void trainForDemo(DemoConfig c, StageCache cache, BpeTokenizer bpe, DvaeTokenizer dvae, LongFunction<ProgressBar> bars) {
        StageCache.Entry entry = entry(c, cache);
        CaptionTokenizer tokenizer = CaptionTokenizer.bpe(bpe, c.priorTextLength());
        ShapesDataset train = new ShapesDataset(Split.TRAIN, c.dataSeed(), c.imageSize());
        ClipConfig config = ClipConfig.preset(c.clipPreset(), c.imageSize(), train.channels(), tokenizer.contextLength()).withSeparateColour(c.clipSeparateColour());
        Result r = train(config, tokenizer, bpe, train, new ClipTrainer.Options(c.clipBatch(), c.clipLr(), c.seed(), c.clipShapeTwins(), c.clipBindingTwins(),
                c.clipReconstructions() ? dvae : null), c.clipBudget(), entry.file("clip.safetensors"),
                DvaeStage.checkpointEvery(c.clipBudget()), bars);
        entry.markDone(r.outcome());
    }
}
