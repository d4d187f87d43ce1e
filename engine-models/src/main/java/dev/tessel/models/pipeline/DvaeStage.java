// DvaeStage: stage 1 of the demo: train the dVAE on the training images within its budget, into
// the stage cache; load the tokenizer built from its EMA weights once the stage is done.
//
// Invariants: it reads only the TRAIN split; a stage counts as done only when its done marker
// exists (see StageCache); the schedule fitted to the wall clock is stored in the checkpoint's
// settings, so a resumed run keeps it.
package dev.tessel.models.pipeline;

import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DatasetBatches;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.dvae.DvaeTrainer;
import dev.tessel.models.report.ProgressBar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongFunction;

/** Training and loading of the demo's dVAE. */
final class DvaeStage {
    private DvaeStage() {}

    record Result(DvaeTokenizer tokenizer, float[] losses, StageReport report) {}

    static StageCache.Entry entry(DemoConfig config, StageCache cache) { return cache.entry("dvae", config.dvaeKey()); }

    /** The trained stage; {@code reused} says it was trained before this run. */
    static Result load(DemoConfig config, StageCache cache, boolean reused) {
        StageCache.Entry entry = entry(config, cache);
        return new Result(DvaeTokenizer.load(entry.file("dvae.safetensors")), LossFile.read(entry.file("losses.txt")),
                StageReport.fromDone("dVAE", entry, reused));
    }

    /** Trains the stage (resuming its checkpoint if a run was cut short) and marks it done. */
    static void train(DemoConfig config, StageCache cache, LongFunction<ProgressBar> bars) {
        StageCache.Entry entry = entry(config, cache);
        Path checkpoint = entry.file("dvae.safetensors"), losses = entry.file("losses.txt");
        ShapesDataset train = new ShapesDataset(Split.TRAIN, config.dataSeed(), config.imageSize());
        DatasetBatches batches = new DatasetBatches(train, config.dvaeBatch(), config.seed());
        DvaeTrainer trainer = Files.isRegularFile(checkpoint) ? DvaeTrainer.resume(checkpoint, 0)
                : new DvaeTrainer(config.dvae(), config.dvaeSettings());
        Map<String, String> meta = Map.of("data", "shapes", "split", "train", "data_seed", Long.toString(config.dataSeed()));
        TrainingLoop.Run run = new TrainingLoop.Run() {
            private DvaeTrainer current = trainer;
            private DvaeTrainer.StepReport last;

            @Override public long step() { return current.step(); }

            @Override public long scheduledSteps() { return current.settings().steps(); }

            @Override public float[] previousLosses() { return current.step() == 0 ? new float[0] : LossFile.read(losses); }

            @Override public double trainStep() {
                last = current.trainStep(batches);
                return last.loss();
            }

            @Override public Map<String, Double> fields() {
                return last == null ? Map.of() : Map.of("temp", last.temperature(), "kl_w", last.klWeight());
            }

            @Override public void save(float[] history) {
                current.saveCheckpoint(checkpoint, meta);
                LossFile.write(losses, history);
            }

            @Override public void fitSchedule(long steps) {
                // the dVAE's schedules are fixed at construction: save, then reload with the new length
                current.saveCheckpoint(checkpoint, meta);
                current = DvaeTrainer.resume(checkpoint, steps);
            }
        };
        TrainingLoop.Outcome outcome = TrainingLoop.run(run, config.dvaeBudget(), checkpointEvery(config.dvaeBudget()), bars);
        entry.markDone(outcome);
    }

    /** About ten checkpoints per run, at least one step apart. */
    static int checkpointEvery(TrainingLoop.Budget budget) { return (int) Math.max(1, Math.min(500, budget.steps() / 10)); }
}
