// ImageClassifier: a small CNN trained with the engine on a labelled data set's real training
// images (Fashion-MNIST), used as a judge of generated images: "is this picture of a shirt a shirt?"
// The class-conditional counterpart of the shapes attribute reader, for data without geometry.
//
// Invariants: it trains on the TRAIN split only; batch t depends only on (seed, t); its accuracy on
// real test images is measured and reported next to every use, so a weak judge is visible.
package dev.tessel.models.eval;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Conv2d;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.autograd.optim.Schedule;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/** images [B, C, S, S] in [0, 1] -> class logits [B, classes]: two conv + ReLU + 2x2-pool stages, one linear layer. */
public final class ImageClassifier extends Module {
    /** Channels of the two conv stages. */
    static final int WIDTH_1 = 16, WIDTH_2 = 32;

    private final int channels, size, classes;
    private final Conv2d conv1, conv2;
    private final Linear head;

    public ImageClassifier(int channels, int size, int classes, long seed) {
        if (size % 4 != 0 || classes < 2) throw new IllegalArgumentException("ImageClassifier: need an image side divisible by 4 and >= 2 classes, got " + size + ", " + classes);
        SplittableRandom rng = new SplittableRandom(seed);
        this.channels = channels;
        this.size = size;
        this.classes = classes;
        this.conv1 = registerModule("conv_1", new Conv2d(channels, WIDTH_1, 3, rng));
        this.conv2 = registerModule("conv_2", new Conv2d(WIDTH_1, WIDTH_2, 3, rng));
        this.head = registerModule("head", new Linear(WIDTH_2 * (size / 4) * (size / 4), classes, rng));
    }

    public Variable forward(Variable images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != channels || s[2] != size || s[3] != size) {
            throw new IllegalArgumentException("ImageClassifier: images " + java.util.Arrays.toString(s) + " must be [B, " + channels + ", " + size + ", " + size + "]");
        }
        Variable h = Ops.addScalar(images, -0.5);
        h = Ops.maxPool2x2(Ops.relu(conv1.forward(h)));
        h = Ops.maxPool2x2(Ops.relu(conv2.forward(h)));
        return head.forward(Ops.reshape(h, s[0], -1));
    }

    /** The most likely class of each image. */
    public int[] predict(Tensor images) {
        try (var off = Autograd.noGrad()) {
            float[] logits = forward(Variable.constant(images)).value().toFloatArray();
            int n = images.dim(0);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
                out[i] = best;
            }
            return out;
        }
    }

    /** Predicted and true labels of the first {@code count} examples of {@code data}. */
    public record Predictions(int[] predicted, int[] labels) {
        public double accuracy() {
            int right = 0;
            for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) right++;
            return right / (double) labels.length;
        }
    }

    public Predictions predictions(ImageCaptionDataset data, int count) {
        int n = data.isBounded() ? (int) Math.min(count, data.size()) : count;
        int[] predicted = new int[n], labels = new int[n];
        for (int from = 0; from < n; from += 256) {
            try (ImageBatch batch = ImageBatch.range(data, from, Math.min(256, n - from))) {
                System.arraycopy(predict(batch.images()), 0, predicted, from, batch.size());
                System.arraycopy(batch.labels(), 0, labels, from, batch.size());
            }
        }
        return new Predictions(predicted, labels);
    }

    /** Fraction of the first {@code count} examples of {@code data} whose label is predicted. */
    public double accuracy(ImageCaptionDataset data, int count) { return predictions(data, count).accuracy(); }

    /**
     * Trains on random batches of the TRAIN split: AdamW, 5% linear warmup then cosine to a tenth.
     * Returns the loss of each step.
     */
    public float[] train(ImageCaptionDataset data, int steps, int batchSize, double lr, long seed) {
        if (data.split() != Split.TRAIN) throw new IllegalArgumentException("ImageClassifier trains on a TRAIN split, got " + data.split().label());
        if (data.classNames().size() != classes) throw new IllegalArgumentException(data.name() + " has " + data.classNames().size() + " classes, this classifier " + classes);
        AdamW adam = new AdamW(parameters(), lr, 0.9, 0.999, 1e-8, 1e-4);
        long warmup = Math.max(1, steps / 20);
        Schedule schedule = Schedule.linearWarmup(lr, warmup, Schedule.cosine(lr, lr * 0.1, Math.max(1, steps - warmup)));
        long range = data.isBounded() ? data.size() : 1L << 40;
        float[] losses = new float[steps];
        try (ProgressBar bar = ProgressBar.create("classifier", steps).rateIn(batchSize, "img")) {
            for (int t = 0; t < steps; t++) {
                SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + t);
                long[] indices = new long[batchSize];
                for (int i = 0; i < batchSize; i++) indices[i] = random.nextLong(range);
                try (ImageBatch batch = ImageBatch.load(data, indices); Tensor labels = Tensor.ofInts(batch.labels(), batchSize)) {
                    zeroGrad();
                    Variable loss = Ops.softmaxCrossEntropy(forward(Variable.constant(batch.images())), labels);
                    loss.backward();
                    adam.setLr(schedule.value(t));
                    adam.step();
                    losses[t] = (float) loss.value().getDouble(0);
                }
                bar.field("loss", losses[t]).update(t + 1);
            }
        }
        return losses;
    }

    /** Writes the weights (and the shape, for a reader) to a safetensors file, atomically. */
    public void saveWeights(Path path) {
        save(path, Map.of("format", "tessel-classifier-1", "channels", Integer.toString(channels), "size", Integer.toString(size),
                "classes", Integer.toString(classes)));
    }
}
