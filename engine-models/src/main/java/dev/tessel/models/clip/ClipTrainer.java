// ClipTrainer: one update at a time of the reranker: distinct-caption batches from the training
// split, symmetric InfoNCE, AdamW with warmup + cosine decay over the scheduled steps, global-norm
// clip, temperature clamp; save and resume. The loop around it (budget, wall clock, progress) is
// the pipeline's TrainingLoop.
//
// Invariants: it reads only the data set it is given, which must be a TRAIN split (never the
// held-out pairs, never the attribute reader); batch k depends only on (seed, k) and the learning
// rate only on (k, scheduled steps), so a run resumed from a checkpoint continues exactly.
package dev.tessel.models.clip;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.autograd.optim.GradClipping;
import dev.tessel.autograd.optim.Schedule;
import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.data.Example;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.ShapesCaption;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** The reranker's training state and its update step. Not thread-safe. */
public final class ClipTrainer {
    /**
     * Pairs per batch, peak learning rate, seed of the batch order. With {@code shapeTwins} (shapes
     * only) half of each batch are "twins" of the other half: the same caption with one object's
     * shape changed (to a seen colour-shape pair), drawn fresh, so the batch's negatives differ from
     * a caption by a shape alone. With {@code bindingTwins} as well, half the twins of two-object
     * captions of two colours are instead the caption with the colours swapped
     * (ShapesCaption.colourSwapTwin), a negative with the same words that only the pairing of colour
     * and shape tells apart: on held-out two-object prompts a generated match then outranks a miss
     * more often (AUC 0.74 against 0.66-0.68; docs/results.md, "binding twins"). With
     * {@code reconstructWith} (a dVAE, or null) every other batch
     * is replaced by the dVAE's reconstructions of its images, decode(argmax encode(x)): generated
     * images are dVAE decodes, and a reranker that only saw crisp drawings scored shapes on
     * reconstructions at chance (docs/results.md).
     */
    public record Options(int batchSize, double lr, long seed, boolean shapeTwins, boolean bindingTwins, DvaeTokenizer reconstructWith) {
        public Options {
            if (batchSize < 2 || !(lr > 0)) {
                throw new IllegalArgumentException("ClipTrainer: need batch >= 2 (InfoNCE needs negatives) and lr > 0; got batch " + batchSize + ", lr " + lr);
            }
            if (bindingTwins && !shapeTwins) {
                throw new IllegalArgumentException("ClipTrainer: binding twins take the place of some shape twins; turn shape twins on too");
            }
        }

        /** Batches of random training examples as they are drawn (no twins, no reconstructions). */
        public Options(int batchSize, double lr, long seed) { this(batchSize, lr, seed, false, false, null); }
    }

    /**
     * Variants of a twin's drawing start here, far from those the evaluation draws its reference
     * images from (ShapesDataset.sceneFor, variants from 0), so no twin is one of them.
     */
    private static final long TWIN_VARIANTS = 1L << 50;

    private final ClipModel model;
    private final ImageCaptionDataset data;
    private final Options options;
    private final AdamW adam;
    private final float[] restoredLosses;
    private long scheduledSteps;
    private long step;

    /** A fresh run of {@code scheduledSteps} updates. */
    public ClipTrainer(ClipModel model, ImageCaptionDataset data, Options options, long scheduledSteps) {
        this(model, data, options, scheduledSteps, 0, new float[0]);
    }

    private ClipTrainer(ClipModel model, ImageCaptionDataset data, Options options, long scheduledSteps, long step, float[] restoredLosses) {
        if (data.split() != Split.TRAIN) {
            throw new IllegalArgumentException("ClipTrainer: the reranker trains on the train split only, got " + data.name() + " ("
                    + data.split().label() + ")");
        }
        if (scheduledSteps <= 0) throw new IllegalArgumentException("ClipTrainer: scheduled steps must be > 0, got " + scheduledSteps);
        if (options.shapeTwins() && !(data instanceof ShapesDataset)) {
            throw new IllegalArgumentException("ClipTrainer: shape twins need the shapes data set, got " + data.name());
        }
        DvaeTokenizer dvae = options.reconstructWith();
        if (dvae != null && (dvae.channels() != data.channels() || dvae.imageSize() != data.height() || dvae.imageSize() != data.width())) {
            throw new IllegalArgumentException("ClipTrainer: the dVAE reconstructs " + dvae.channels() + "x" + dvae.imageSize() + "x" + dvae.imageSize()
                    + " images but " + data.name() + " holds " + data.channels() + "x" + data.height() + "x" + data.width());
        }
        this.model = model;
        this.data = data;
        this.options = options;
        this.adam = new AdamW(model.parameters(), options.lr(), 0.9, 0.98, 1e-6, 0.01);
        this.scheduledSteps = scheduledSteps;
        this.step = step;
        this.restoredLosses = restoredLosses;
    }

    /** Continues the run saved at {@code checkpoint}; its model must have {@code expected}'s config. */
    public static ClipTrainer resume(Path checkpoint, ImageCaptionDataset data, Options options, ClipConfig expected, BpeTokenizer bpeOrNull) {
        ClipCheckpoint.Loaded loaded = ClipCheckpoint.load(checkpoint, (name, context) -> CaptionTokenizer.forCheckpoint(name, context, bpeOrNull));
        if (!loaded.model().config().equals(expected)) {
            throw new IllegalArgumentException("reranker checkpoint " + checkpoint + " has config " + loaded.model().config().toJson()
                    + " but this run asks for " + expected.toJson() + "; delete it or choose another --out");
        }
        ClipTrainer t = new ClipTrainer(loaded.model(), data, options, loaded.state().scheduledSteps(), loaded.state().step(), loaded.state().losses());
        t.adam.loadStateDict(loaded.optimizerState(), t.model.namedParameters());
        return t;
    }

    public ClipModel model() { return model; }

    public long step() { return step; }

    public long scheduledSteps() { return scheduledSteps; }

    /** Losses saved by the run this one resumed (empty for a fresh run). */
    public float[] restoredLosses() { return restoredLosses.clone(); }

    /** Shortens (or lengthens) the learning-rate schedule to {@code steps} updates. */
    public void fitSchedule(long steps) {
        if (steps < step) throw new IllegalArgumentException("ClipTrainer.fitSchedule: " + steps + " steps is before the current step " + step);
        scheduledSteps = steps;
    }

    /** Warmup over the first 10% (at most 100 steps), then half a cosine down to a tenth of the peak. */
    double learningRate(long t) {
        long warmup = Math.max(1, Math.min(100, scheduledSteps / 10));
        return Schedule.linearWarmup(options.lr(), warmup, Schedule.cosine(options.lr(), options.lr() * 0.1, Math.max(1, scheduledSteps - warmup))).value(t);
    }

    /** One update; returns the batch's loss. */
    public double trainStep() {
        adam.setLr(learningRate(step));
        try (ImageBatch batch = batch(step)) {
            Tensor reconstructed = reconstruction(batch, step);
            try {
                model.zeroGrad();
                Variable loss = model.loss(reconstructed == null ? batch.images() : reconstructed, batch.captions());
                loss.backward();
                GradClipping.clipGlobalNorm(model.parameters(), 1.0);
                adam.step();
                model.clampTemperature();
                step++;
                return loss.value().getDouble(0);
            } finally {
                if (reconstructed != null) reconstructed.close();
            }
        }
    }

    /** The dVAE's reconstructions of the batch's images on odd steps when the options give a dVAE, else null. */
    Tensor reconstruction(ImageBatch batch, long t) {
        DvaeTokenizer dvae = options.reconstructWith();
        if (dvae == null || t % 2 == 0) return null;
        try (var noGrad = Autograd.noGrad(); Tensor ids = dvae.encode(batch.images())) {
            return dvae.decode(ids);
        }
    }

    /** Writes weights, moments, step, schedule length and {@code losses} to {@code path} atomically. */
    public void save(Path path, float[] losses) {
        ClipCheckpoint.save(path, model, adam, new ClipCheckpoint.State(step, scheduledSteps, losses));
    }

    /**
     * Batch {@code t}: up to batchSize examples with distinct captions (a repeated caption would
     * be a false negative of InfoNCE), drawn from a stream that depends on (seed, t) only; with
     * shape twins, half are training examples and half their twins (see {@link Options}).
     */
    ImageBatch batch(long t) {
        SplittableRandom random = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + t);
        long range = data.isBounded() ? data.size() : 1L << 40;
        List<Example> picked = new ArrayList<>();
        Set<String> captions = new HashSet<>();
        int examples = options.shapeTwins() ? (options.batchSize() + 1) / 2 : options.batchSize();
        for (int tries = 0; picked.size() < examples && tries < 8 * options.batchSize(); tries++) {
            Example e = data.get(random.nextLong(range));
            if (captions.add(e.caption())) picked.add(e);
            else e.image().close();
        }
        if (options.shapeTwins()) {
            ShapesDataset shapes = (ShapesDataset) data;
            for (int i = 0, originals = picked.size(); i < originals && picked.size() < options.batchSize(); i++) {
                ShapesCaption original = ShapesCaption.parse(picked.get(i).caption());
                ShapesCaption twin = options.bindingTwins() && random.nextBoolean() ? original.colourSwapTwin() : null;
                if (twin == null) twin = original.shapeTwin(random);
                if (twin != null && captions.add(twin.text())) picked.add(shapes.draw(shapes.sceneFor(twin, TWIN_VARIANTS + random.nextLong(1L << 40))));
            }
        }
        try {
            return ImageBatch.stack(picked);
        } finally {
            for (Example e : picked) e.image().close();
        }
    }

    @Override public String toString() { return "ClipTrainer(" + data.name() + ", " + options + ", step " + step + " of " + scheduledSteps + ")"; }
}
