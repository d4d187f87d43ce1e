// DatasetBatches: training batches of a dVAE run drawn from an ImageCaptionDataset, as a pure
// function of the step (what DvaeTrainer's exact resume relies on).
//
// Invariant: batch(t) reads examples t·B .. t·B+B-1 of an endless stream: for a generator
// (unbounded) that is the data set's own index; for a finite data set, position p is example
// perm_e[p mod N] of epoch e = p / N, perm_e a Fisher-Yates shuffle seeded by (seed, e). So
// every image is seen once per epoch and nothing depends on earlier calls.
package dev.tessel.models.dvae;

import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.tensor.Tensor;
import java.util.SplittableRandom;

/** {@link DvaeTrainer.Batches} over a data set's training split. */
public final class DatasetBatches implements DvaeTrainer.Batches {
    private final ImageCaptionDataset data;
    private final int batchSize;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] permutation;
    private Tensor previous;

    public DatasetBatches(ImageCaptionDataset data, int batchSize, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("DatasetBatches: batch size must be >= 1, got " + batchSize);
        if (data.isBounded() && (data.size() < 1 || data.size() > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("DatasetBatches: " + data.name() + " has " + data.size() + " examples; need 1 .. 2^31-1");
        }
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /**
     * [B, C, H, W] F32 in [0,1]. The tensor of the previous call is closed by this one (the trainer
     * is done with a batch before it asks for the next), so a long run does not wait on the
     * garbage collector to free image memory.
     */
    @Override
    public Tensor batch(long step) {
        long[] indices = new long[batchSize];
        for (int b = 0; b < batchSize; b++) indices[b] = exampleAt(step * batchSize + b);
        if (previous != null) previous.close();
        previous = ImageBatch.load(data, indices).images();
        return previous;
    }

    /** The data-set index at stream position {@code p}. */
    long exampleAt(long p) {
        if (!data.isBounded()) return p;
        int n = (int) data.size();
        long epoch = p / n;
        if (epoch != cachedEpoch) {
            permutation = shuffled(n, new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1))));
            cachedEpoch = epoch;
        }
        return permutation[(int) (p % n)];
    }

    private static int[] shuffled(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
