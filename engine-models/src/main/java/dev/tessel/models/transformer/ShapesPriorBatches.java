// ShapesPriorBatches: (caption ids, image tokens) batches for the prior from the shapes data set
// WITHOUT a trained BPE or dVAE, so a distributed prior run can start from nothing: caption words
// are hashed into the text vocabulary, and each image is cut into grid x grid patches whose mean
// colour, quantised to q levels per channel (q^3 <= image vocabulary), is the patch's token. A
// stand-in tokeniser for exercising training, not DALL·E's data path (that is BPE + dVAE).
//
// Invariant: batch(step) is a pure function of (seed, step, batch size, config), identical on
// every rank, which is what DistributedPriorTraining requires of its global batches.
package dev.tessel.models.transformer;

import dev.tessel.models.data.Example;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Deterministic global batches of stand-in tokens from a split of shapes (the training split by default). */
public final class ShapesPriorBatches implements PriorBatches {
    private final TransformerConfig config;
    private final ShapesDataset data;
    private final int batchSize, levels;

    public ShapesPriorBatches(TransformerConfig config, int batchSize, long seed) {
        this(config, batchSize, seed, Split.TRAIN);
    }

    /** Batches from {@code split} (TEST for a held-out loss). */
    public ShapesPriorBatches(TransformerConfig config, int batchSize, long seed, Split split) {
        if (batchSize < 1) throw new IllegalArgumentException("ShapesPriorBatches: the batch size must be >= 1, got " + batchSize);
        this.config = config;
        this.data = new ShapesDataset(split, seed);
        this.batchSize = batchSize;
        this.levels = (int) Math.floor(Math.cbrt(config.imageVocab()) + 1e-9);
        if (levels < 2 || data.height() % config.grid() != 0) {
            throw new IllegalArgumentException("ShapesPriorBatches: need an image vocabulary >= 8 and a grid dividing the " + data.height()
                    + "-pixel images, got vocabulary " + config.imageVocab() + " and grid " + config.grid());
        }
    }

    /** Examples [step·B, (step+1)·B) of the training split. */
    @Override
    public Batch batch(long step) {
        List<int[]> captions = new ArrayList<>();
        int[][] images = new int[batchSize][];
        for (int b = 0; b < batchSize; b++) {
            Example e = data.get(step * batchSize + b);
            captions.add(captionIds(e.caption()));
            images[b] = imageTokens(e.image().toFloatArray());
        }
        return new Batch(captions, images);
    }

    private int[] captionIds(String caption) {
        String[] words = caption.toLowerCase(Locale.ROOT).split("[^a-z0-9]+");
        List<Integer> ids = new ArrayList<>();
        for (String w : words) if (!w.isEmpty() && ids.size() < config.captionRoom()) ids.add(Math.floorMod(w.hashCode(), config.textVocab()));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** image: F32 [3, H, W] in [0, 1], flattened channel-major. */
    private int[] imageTokens(float[] image) {
        int h = data.height(), w = data.width(), g = config.grid(), patch = h / g;
        int[] tokens = new int[g * g];
        for (int gy = 0; gy < g; gy++) {
            for (int gx = 0; gx < g; gx++) {
                int token = 0;
                for (int c = 0; c < 3; c++) {
                    double sum = 0;
                    for (int y = gy * patch; y < (gy + 1) * patch; y++) for (int x = gx * patch; x < (gx + 1) * patch; x++) sum += image[(c * h + y) * w + x];
                    token = token * levels + Math.min(levels - 1, (int) (sum / (patch * patch) * levels));
                }
                tokens[gy * g + gx] = token;
            }
        }
        return tokens;
    }
}
