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
        // timing starts at step 20 (20 s, past a twentieth of the cap); the first fit is due at a tenth
        // (10 s) but waits for 20 timed steps: step 40 (40 s), 40 + floor((0.96 * 100 - 40) / 1) = 96; the
        // refits (step 60, step 80) find the same pace and keep it
        assertEquals(List.of(96L), run.fittedTo);
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
        // 3 s per step while "the JIT warms up" (the first WARMUP_STEPS = 20), then 1 s
        FakeRun run = new FakeRun(0, 1000, step -> step < 20 ? 3.0 : 1.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(1000, 300), 1000, QUIET, () -> clock[0]);
        // a twentieth of the cap (15 s) comes at step 5, but timing waits for WARMUP_STEPS: it starts at step 20
        // (60 s), and the first fit comes at step 40 (80 s) on steps 20-40 only: 1 s a
        // step, 40 + floor((288 - 80) / 1) = 248; the refit at a quarter (step 60, 100 s) finds the same
        assertEquals(List.of(248L), run.fittedTo);
        assertEquals(248, o.steps());
        assertEquals(288.0, o.seconds(), 1e-9);
        assertFalse(o.timeBoxed());
    }

    @Test
    void aWarmUpLongerThanTwentyStepsIsNotTimedByTheFirstFit() {
        long[] clock = {0};
        // 1.5 s per step for the first 40 steps (60 s: a JIT still compiling after step 20), then 1 s
        FakeRun run = new FakeRun(0, 10_000, step -> step < 40 ? 1.5 : 1.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(10_000, 2000), 10_000, QUIET, () -> clock[0]);
        // timing starts at a twentieth of the cap (100 s, step 80), the first fit is at a tenth (200 s, step 180):
        // 1 s a step, 180 + floor((1920 - 200) / 1) = 1900, and the refits keep it. Timed on steps 20-40 it would
        // have planned 40 + floor((1920 - 60) / 1.5) = 1280, and the first refit lengthened the schedule again
        // (re-heating an annealed temperature; see TrainingLoop.FIRST_FIT_SHARE)
        assertEquals(List.of(1900L), run.fittedTo);
        assertEquals(1900, o.steps());
        assertEquals(1920.0, o.seconds(), 1e-9);
        assertFalse(o.timeBoxed());
    }

    @Test
    void slowStepsAfterTheFirstFitAreCorrectedByARefit() {
        long[] clock = {0};
        // 1 s per step, then from step 60 on 2 s (the machine got busy)
        FakeRun run = new FakeRun(0, 1000, step -> step < 60 ? 1.0 : 2.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(1000, 300), 1000, QUIET, () -> clock[0]);
        // timing from step 20 (20 s); step 40 (40 s): 40 + 248 = 288; a quarter (75 s, step 67 at 74 s -> step 68
        // at 76 s): (76 - 40) / 28 s a step -> 68 + floor((288 - 76) / 1.2857) = 232; a half (150 s, step 105),
        // timed since step 68: 2 s a step -> 105 + floor(138 / 2) = 174; three quarters (226 s, step 143): kept
        assertEquals(List.of(288L, 232L, 174L), run.fittedTo);
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
        // timing from step 20 (20 s); step 40 (40 s): 40 + (384 - 40) / 1 = 384; a quarter (100 s, step 100): the
        // same, kept; half (200 s, step 250), timed since step 100: 100 s / 150 steps -> 250 + floor(184 / 0.6667) = 526;
        // three quarters (300 s, step 450), timed since step 250: 0.5 s a step -> 450 + 168 = 618
        assertEquals(List.of(384L, 526L, 618L), run.fittedTo);
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
