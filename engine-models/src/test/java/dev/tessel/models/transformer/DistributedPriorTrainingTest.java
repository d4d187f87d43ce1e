// DistributedPriorTrainingTest: data-parallel prior training on thread ranks equals single-process
// training on the concatenated batch (PowerSGD off), and with PowerSGD on the replicas stay
// identical and the loss falls.
package dev.tessel.models.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.dist.LocalCommunicator;
import dev.tessel.dist.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DistributedPriorTrainingTest {
    private static final TransformerConfig TINY = TransformerConfig.tiny();
    private static final int BATCH = 4, STEPS = 3;

    private static PriorTrainer.Settings settings() {
        return PriorTrainer.Settings.dalle().withPeakLr(3e-3).withWarmup(1).withCheckpointing(true);
    }

    private static List<int[]> captions(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int b = 0; b < BATCH; b++) out.add(rng.ints(1 + rng.nextInt(TINY.captionRoom()), 0, TINY.textVocab()).toArray());
        return out;
    }

    private static int[][] images(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[][] out = new int[BATCH][];
        for (int b = 0; b < BATCH; b++) out[b] = rng.ints(TINY.imageTokens(), 0, TINY.imageVocab()).toArray();
        return out;
    }

    private static float[][] weights(TextToImageTransformer model) {
        return model.parameters().stream().map(p -> p.value().toFloatArray()).toArray(float[][]::new);
    }

    @Test
    void matchesSingleProcessTrainingOnTheWholeBatch() {
        PriorTrainer single = new PriorTrainer(new TextToImageTransformer(TINY, 7), settings());
        double[] singleLoss = new double[STEPS];
        for (int s = 0; s < STEPS; s++) singleLoss[s] = single.step(captions(s), images(100 + s)).loss();
        float[][] want = weights(single.model());
        // 2 ranks as 1 machine x 2 devices (the intra-machine average) and as 2 machines x 1 (the inter-machine one)
        for (int devices : new int[] {2, 1}) {
            float[][][] got = new float[2][][];
            double[][] losses = new double[2][STEPS];
            LocalCommunicator.launch(2, world -> {
                try (Topology topology = Topology.of(world, devices)) {
                    var run = new DistributedPriorTraining(topology, new PriorTrainer(new TextToImageTransformer(TINY, 7), settings()), 0, 1);
                    for (int s = 0; s < STEPS; s++) losses[world.rank()][s] = run.step(captions(s), images(100 + s)).loss();
                    got[world.rank()] = weights(run.trainer().model());
                }
            });
            for (int r = 0; r < 2; r++) {
                double worst = 0;
                for (int i = 0; i < want.length; i++) for (int j = 0; j < want[i].length; j++) worst = Math.max(worst, Math.abs(got[r][i][j] - want[i][j]));
                // fp32 round-off: the two halves' means are summed in another order than the whole batch's mean, and Adam's
                // update g/sqrt(v) can turn a round-off difference of a near-zero gradient into up to lr-sized steps
                assertTrue(worst < 1e-5, "devices per machine " + devices + ", rank " + r + ": max |param - single-process| " + worst);
                for (int s = 0; s < STEPS; s++) assertEquals(singleLoss[s], losses[r][s], 1e-5, "loss of step " + s);
            }
        }
    }

    @Test
    void powerSgdKeepsReplicasIdenticalAndTheLossFalls() {
        float[][][] got = new float[2][][];
        double[][] losses = new double[2][6];
        LocalCommunicator.launch(2, world -> {
            try (Topology topology = Topology.of(world, 1)) {
                var run = new DistributedPriorTraining(topology, new PriorTrainer(new TextToImageTransformer(TINY, 7), settings()), 2, 1);
                for (int s = 0; s < 6; s++) losses[world.rank()][s] = run.step(captions(0), images(100)).loss();
                got[world.rank()] = weights(run.trainer().model());
            }
        });
        for (int i = 0; i < got[0].length; i++) assertTrue(java.util.Arrays.equals(got[0][i], got[1][i]), "parameter " + i + " differs between ranks");
        assertTrue(losses[0][5] < losses[0][0], "loss " + losses[0][0] + " -> " + losses[0][5]);
    }

    @Test
    void aBatchThatDoesNotSplitIsRejected() {
        LocalCommunicator.launch(2, world -> {
            try (Topology topology = Topology.of(world, 2)) {
                var run = new DistributedPriorTraining(topology, new PriorTrainer(new TextToImageTransformer(TINY, 7), settings()), 0, 1);
                var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> run.slice(3));
                assertTrue(e.getMessage().contains("does not split evenly over 2 ranks"), e.getMessage());
            }
        });
    }
}
