// ClipTrainer: the reranker's training loop: distinct-caption batches from the training split,
// symmetric InfoNCE, AdamW with warmup + cosine decay, temperature clamp, atomic checkpoints and
// resume, bounded by a step budget AND a wall-clock cap.
//
// Invariants: it reads only the data set it is given (the caller passes a TRAIN split: never the
// held-out pairs, never the attribute reader); batch k depends only on (seed, k), so a resumed run
// sees the same batches a run without the kill would have; the learning rate is a pure function
// of the step (Schedule), so it resumes exactly too.
package dev.tessel.models.clip;

import dev.tessel.autograd.Variable;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.autograd.optim.GradClipping;
import dev.tessel.autograd.optim.Schedule;
import dev.tessel.models.data.Example;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.report.ProgressBar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** Trains a {@link ClipModel}; see {@link Options} for the knobs. */
public final class ClipTrainer {
    /**
     * @param steps           step budget (the schedule's length)
     * @param maxSeconds      wall-clock cap of this call; the run stops early and is saved (time-boxed)
     * @param checkpointEvery steps between checkpoints (the last step is always saved)
     */
    public record Options(long steps, int batchSize, double lr, double maxSeconds, int checkpointEvery, long seed) {
        public Options {
            if (steps <= 0 || batchSize < 2 || !(lr > 0) || !(maxSeconds > 0) || checkpointEvery <= 0) {
                throw new IllegalArgumentException("ClipTrainer: need steps > 0, batch >= 2 (InfoNCE needs negatives), lr > 0, max seconds > 0,"
                        + " checkpoint interval > 0; got steps " + steps + ", batch " + batchSize + ", lr " + lr + ", max seconds "
                        + maxSeconds + ", every " + checkpointEvery);
            }
        }
    }

    /** What a call did: the step reached, whether the clock stopped it, its own duration. */
    public record Result(ClipModel model, long step, boolean timeBoxed, double seconds, float[] losses) {}

    private final ImageCaptionDataset data;
    private final Options options;

    public ClipTrainer(ImageCaptionDataset data, Options options) {
        if (data.split() != Split.TRAIN) {
            throw new IllegalArgumentException("ClipTrainer: the reranker trains on the train split only, got " + data.name() + " ("
                    + data.split().label() + ")");
        }
        this.data = data;
        this.options = options;
    }

    /**
     * Trains {@code model} from scratch, or resumes the checkpoint at {@code checkpoint} when it
     * exists (its weights, moments, step and losses replace {@code model}'s). Returns at once when
     * the checkpoint is already done for this budget.
     */
    public Result train(ClipModel fresh, Path checkpoint, ProgressBar bar) { return train(fresh, checkpoint, bar, options.steps()); }

    /** As {@link #train(ClipModel, Path, ProgressBar)}, but stops after {@code stopAt} steps as a killed run would (tests resume with it). */
    Result train(ClipModel fresh, Path checkpoint, ProgressBar bar, long stopAt) {
        ClipModel model = fresh;
        AdamW adam = optimizer(fresh);
        long step = 0;
        List<Float> losses = new ArrayList<>();
        if (checkpoint != null && java.nio.file.Files.isRegularFile(checkpoint)) {
            ClipCheckpoint.Loaded loaded = ClipCheckpoint.load(checkpoint, (name, context) -> sameTokenizer(fresh.tokenizer(), name, context));
            if (!loaded.model().config().equals(fresh.config())) {
                throw new IllegalArgumentException("reranker checkpoint " + checkpoint + " has config " + loaded.model().config().toJson()
                        + " but this run asks for " + fresh.config().toJson() + "; delete it or choose another --out");
            }
            model = loaded.model();
            adam = optimizer(model);
            adam.loadStateDict(loaded.optimizerState(), model.namedParameters());
            step = loaded.state().step();
            for (float f : loaded.state().losses()) losses.add(f);
            if (loaded.state().isDone(options.steps())) {
                return new Result(model, step, loaded.state().timeBoxed(), 0, toArray(losses));
            }
        }
        Schedule lr = Schedule.linearWarmup(options.lr(), Math.max(1, Math.min(100, options.steps() / 10)),
                Schedule.cosine(options.lr(), options.lr() * 0.1, Math.max(1, options.steps() - Math.min(100, options.steps() / 10))));
        long start = System.nanoTime();
        boolean timeBoxed = false;
        bar.rateIn(options.batchSize(), "pairs");
        while (step < Math.min(stopAt, options.steps())) {
            if ((System.nanoTime() - start) / 1e9 >= options.maxSeconds()) {
                timeBoxed = true;
                break;
            }
            adam.setLr(lr.value(step));
            try (ImageBatch batch = batch(step)) {
                model.zeroGrad();
                Variable loss = model.loss(batch.images(), batch.captions());
                loss.backward();
                GradClipping.clipGlobalNorm(model.parameters(), 1.0);
                adam.step();
                model.clampTemperature();
                losses.add((float) loss.value().getDouble(0));
            }
            step++;
            bar.field("loss", losses.getLast()).field("temp", 1 / model.logitScale()).update(step);
            if (checkpoint != null && step % options.checkpointEvery() == 0 && step < options.steps()) {
                ClipCheckpoint.save(checkpoint, model, adam, new ClipCheckpoint.State(step, options.steps(), false, toArray(losses)));
            }
        }
        bar.close();
        float[] history = toArray(losses);
        if (checkpoint != null && step > 0) ClipCheckpoint.save(checkpoint, model, adam, new ClipCheckpoint.State(step, options.steps(), timeBoxed, history));
        return new Result(model, step, timeBoxed, (System.nanoTime() - start) / 1e9, history);
    }

    private AdamW optimizer(ClipModel model) { return new AdamW(model.parameters(), options.lr(), 0.9, 0.98, 1e-6, 0.01); }

    /**
     * Batch {@code step}: up to batchSize examples with distinct captions (a repeated caption would
     * be a false negative of InfoNCE), drawn from a stream that depends on (seed, step) only.
     */
    ImageBatch batch(long step) {
        SplittableRandom random = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + step);
        long range = data.isBounded() ? data.size() : 1L << 40;
        List<Example> picked = new ArrayList<>();
        Set<String> captions = new HashSet<>();
        for (int tries = 0; picked.size() < options.batchSize() && tries < 8 * options.batchSize(); tries++) {
            Example e = data.get(random.nextLong(range));
            if (captions.add(e.caption())) picked.add(e);
            else e.image().close();
        }
        try {
            return ImageBatch.stack(picked);
        } finally {
            for (Example e : picked) e.image().close();
        }
    }

    private static CaptionTokenizer sameTokenizer(CaptionTokenizer current, String name, int context) {
        if (!current.name().equals(name) || current.contextLength() != context) {
            throw new IllegalArgumentException("reranker checkpoint was trained with tokenizer " + name + " (context " + context
                    + ") but this run uses " + current.name() + " (context " + current.contextLength() + ")");
        }
        return current;
    }

    private static float[] toArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    @Override public String toString() { return "ClipTrainer(" + data.name() + ", " + options + ")"; }
}
