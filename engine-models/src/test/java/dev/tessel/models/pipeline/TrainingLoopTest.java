// TrainingLoop on a fake run and a fake clock: the schedule fitted to the wall-clock cap, the cap
// stopping a resumed run, checkpoints at the interval and always at the end.
package dev.tessel.models.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.models.report.ProgressBar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

class TrainingLoopTest {
    private static final LongFunction<ProgressBar> QUIET =
            total -> new ProgressBar("test", total, new PrintStream(new ByteArrayOutputStream()), false, () -> 0);

    /** A run whose every step advances the clock by {@code secondsPerStep} and returns the step as its loss. */
    private static final class FakeRun implements TrainingLoop.Run {
        final long[] clock;
        final java.util.function.LongToDoubleFunction secondsOfStep;
        long step, scheduled;
        final List<Long> savedAt = new ArrayList<>();
        final List<Long> fittedTo = new ArrayList<>();
        float[] lastSaved;

        FakeRun(long start, long scheduled, double secondsPerStep, long[] clock) {
            this(start, scheduled, step -> secondsPerStep, clock);
        }

        FakeRun(long start, long scheduled, java.util.function.LongToDoubleFunction secondsOfStep, long[] clock) {
            this.step = start;
            this.scheduled = scheduled;
            this.secondsOfStep = secondsOfStep;
            this.clock = clock;
        }

        @Override public long step() { return step; }
        @Override public long scheduledSteps() { return scheduled; }
        @Override public float[] previousLosses() { return new float[(int) step]; }

        @Override public double trainStep() {
            clock[0] += (long) (secondsOfStep.applyAsDouble(step) * 1e9);
            return ++step;
        }

        @Override public void save(float[] losses) {
            savedAt.add(step);
            lastSaved = losses;
        }

        @Override public void fitSchedule(long steps) {
            fittedTo.add(steps);
            scheduled = steps;
        }
    }

    @Test
    void aFreshRunThatCannotFinishInTimeGetsItsScheduleShortenedToWhatFits() {
        long[] clock = {0};
        FakeRun run = new FakeRun(0, 200, 1.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(200, 100), 20, QUIET, () -> clock[0]);
        // after PROBE_STEPS (40) one-second steps: 40 + floor((0.9 * 100 - 40) / 1) = 90 steps fit; the
        // refit at a quarter waits for 20 timed steps (step 60, 60 s) and plans to 0.96 of the cap:
        // 60 + floor((96 - 60) / 1) = 96; the one at a half finds the same pace and keeps it
        assertEquals(List.of(90L, 96L), run.fittedTo);
        assertEquals(96, o.steps());
        assertEquals(96, o.scheduledSteps());
        assertFalse(o.timeBoxed(), "the fitted schedule finishes before the cap");
        assertEquals(List.of(20L, 40L, 60L, 80L, 96L), run.savedAt);
        assertEquals(96, run.lastSaved.length);
        assertEquals(96f, run.lastSaved[95]);
    }

    @Test
    void theJitWarmUpStepsAreNotTimedByTheFirstFit() {
        long[] clock = {0};
        // 3 s per step while "the JIT warms up" (the first PROBE_WARMUP = 20), then 1 s
        FakeRun run = new FakeRun(0, 1000, step -> step < 20 ? 3.0 : 1.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(1000, 300), 1000, QUIET, () -> clock[0]);
        // the fit at step 40 (80 s in) times steps 20-40 only: 1 s a step, 40 + floor((270 - 80) / 1) = 230;
        // (the fit before, at step 20 on steps 1-20, planned 20 + floor((270 - 60) / 3) = 90 and lengthened it at the first refit);
        // the refit at a quarter (step 60, 100 s) plans to 0.96 of the cap: 60 + floor((288 - 100) / 1) = 248
        assertEquals(List.of(230L, 248L), run.fittedTo);
        assertEquals(248, o.steps());
        assertEquals(288.0, o.seconds(), 1e-9);
        assertFalse(o.timeBoxed());
    }

    @Test
    void slowStepsAfterTheProbeAreCorrectedByARefit() {
        long[] clock = {0};
        // 1 s per step, then from step 60 on 2 s (the machine got busy)
        FakeRun run = new FakeRun(0, 1000, step -> step < 60 ? 1.0 : 2.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(1000, 300), 1000, QUIET, () -> clock[0]);
        // step 40 (40 s): 40 + 230 = 270; a quarter (75 s, step 67 at 74 s -> step 68 at 76 s): (76 - 40) / 28
        // s a step -> 68 + floor((288 - 76) / 1.2857) = 232; a half (150 s, step 105), timed since step 68: 2 s a step
        // -> 105 + floor(138 / 2) = 174; three quarters (226 s, step 143): the same pace, kept
        assertEquals(List.of(270L, 232L, 174L), run.fittedTo);
        assertEquals(174, o.steps());
        assertEquals(288.0, o.seconds(), 1e-9);
        assertFalse(o.timeBoxed(), "the refits shortened the schedule before the cap");
    }

    @Test
    void aPaceThatChangesAfterHalfTimeIsCaughtByTheRefitAtThreeQuarters() {
        long[] clock = {0};
        // 1 s per step for the first 150 steps, then 0.5 s (the machine's load went away)
        FakeRun run = new FakeRun(0, 10_000, step -> step < 150 ? 1.0 : 0.5, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(10_000, 400), 10_000, QUIET, () -> clock[0]);
        // step 40 (40 s): 40 + (360 - 40) / 1 = 360; a quarter (100 s, step 100): 1 s a step, planned to 0.96 of
        // the cap: 100 + 284 = 384; half (200 s, step 250), timed since step 100: 100 s / 150 steps -> 250 + floor(184 / 0.6667) = 526;
        // three quarters (300 s, step 450), timed since step 250: 0.5 s a step -> 450 + 168 = 618
        assertEquals(List.of(360L, 384L, 526L, 618L), run.fittedTo);
        assertEquals(618, o.steps());
        assertEquals(384.0, o.seconds(), 1e-9, "0.96 of the cap: the last refit timed the new pace alone");
        assertFalse(o.timeBoxed());
    }

    @Test
    void aRunThatFitsKeepsItsScheduleAndStopsAtTheStepBudget() {
        long[] clock = {0};
        FakeRun run = new FakeRun(0, 30, 0.5, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(30, 3600), 100, QUIET, () -> clock[0]);
        assertTrue(run.fittedTo.isEmpty());
        assertEquals(30, o.steps());
        assertFalse(o.timeBoxed());
        assertEquals(List.of(30L), run.savedAt, "the last state is saved even between checkpoint intervals");
    }

    @Test
    void aResumedRunIsNotRefittedAndStopsAtTheWallClockCap() {
        long[] clock = {0};
        FakeRun run = new FakeRun(40, 100, 2.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(100, 9), 1000, QUIET, () -> clock[0]);
        assertTrue(run.fittedTo.isEmpty(), "the checkpoint's schedule stays");
        // steps start at 0, 2, 4, 6, 8 s; the one at 10 s is past the 9 s cap
        assertEquals(45, o.steps());
        assertTrue(o.timeBoxed());
        assertEquals(45, run.lastSaved.length, "restored losses plus this call's");
        assertEquals(List.of(45L), run.savedAt);
    }

    @Test
    void aBudgetNeedsPositiveStepsAndSeconds() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TrainingLoop.Budget(0, 10));
        assertTrue(e.getMessage().contains("steps > 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TrainingLoop.Budget(10, 0));
    }
}
