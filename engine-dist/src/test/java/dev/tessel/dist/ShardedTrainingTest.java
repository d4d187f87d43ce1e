package dev.tessel.dist;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sharded training on 4 thread ranks = 2 machines x 2 devices. The checks themselves live in
 * {@link ShardedTrainingCheck} (the MPI test runs the same code under mpirun): it throws on every
 * rank when the parameters leave fp32 round-off of single-process training (PowerSGD off), or
 * when the loss does not fall or error feedback loses gradient (PowerSGD on). Here we also pin
 * that prefetch changes timing only, never values.
 */
class ShardedTrainingTest {
    @Test
    void matchesSingleProcessTrainingWithPowerSgdOff() {
        Map<Integer, ShardedTrainingCheck.Result> results = new ConcurrentHashMap<>();
        LocalCommunicator.launch(4, world -> results.put(world.rank(), ShardedTrainingCheck.run(world, 2, 5, 0, true)));
        ShardedTrainingCheck.Result r = results.get(0);
        assertTrue(r.maxParamDiff() <= ShardedTrainingCheck.PARAM_TOLERANCE, r.line());
        assertTrue(r.lastLoss() < r.firstLoss(), r.line());
        assertEquals(2, r.machines());
        for (ShardedTrainingCheck.Result other : results.values()) assertEquals(r.maxParamDiff(), other.maxParamDiff(), "ranks disagree");
    }

    @Test
    void prefetchChangesTimingOnlyNotValues() {
        Map<Boolean, Double> diffs = new ConcurrentHashMap<>();
        for (boolean prefetch : new boolean[] {true, false}) {
            LocalCommunicator.launch(4, world -> {
                ShardedTrainingCheck.Result r = ShardedTrainingCheck.run(world, 2, 2, 0, prefetch);
                if (world.rank() == 0) diffs.put(prefetch, r.lastLoss());
            });
        }
        assertEquals(diffs.get(true), diffs.get(false));
    }

    @Test
    void powerSgdLossFallsAndErrorFeedbackLosesNothing() {
        Map<Integer, ShardedTrainingCheck.Result> results = new ConcurrentHashMap<>();
        LocalCommunicator.launch(4, world -> results.put(world.rank(), ShardedTrainingCheck.run(world, 2, 6, 2, true)));
        ShardedTrainingCheck.Result r = results.get(0);
        assertTrue(r.lastLoss() < r.firstLoss(), r.line());
        assertTrue(r.feedbackResidual() <= ShardedTrainingCheck.FEEDBACK_TOLERANCE, r.line());
        assertTrue(r.powerSgd());
    }
}
