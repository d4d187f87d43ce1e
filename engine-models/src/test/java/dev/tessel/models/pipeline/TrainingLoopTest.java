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
        FakeRun run = new FakeRun(0, 100, 1.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(100, 40), 5, QUIET, () -> clock[0]);
        // after PROBE_STEPS (20) one-second steps: 20 + floor((0.9 * 40 - 20) / 1) = 36 steps fit
        assertEquals(List.of(36L), run.fittedTo);
        assertEquals(36, o.steps());
        assertEquals(36, o.scheduledSteps());
        assertFalse(o.timeBoxed(), "the fitted schedule finishes before the cap");
        assertEquals(List.of(5L, 10L, 15L, 20L, 25L, 30L, 35L, 36L), run.savedAt);
        assertEquals(36, run.lastSaved.length);
        assertEquals(36f, run.lastSaved[35]);
    }

    @Test
    void slowFirstStepsAreCorrectedByASecondFitOnWarmedUpSteps() {
        long[] clock = {0};
        // 3 s per step while "the JIT warms up" (the first 20), then 1 s
        FakeRun run = new FakeRun(0, 1000, step -> step < 20 ? 3.0 : 1.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(1000, 300), 1000, QUIET, () -> clock[0]);
        // first fit at step 20 (60 s in): 20 + floor((270 - 60) / 3) = 90; at 75 s (25% of the cap,
        // step 35) the warmed-up rate of 1 s gives 35 + floor((270 - 75) / 1) = 230
        assertEquals(List.of(90L, 230L), run.fittedTo);
        assertEquals(230, o.steps());
        assertFalse(o.timeBoxed());
    }

    @Test
    void aPaceThatChangesAfterHalfTimeIsCaughtByTheRefitAtThreeQuarters() {
        long[] clock = {0};
        // 1 s per step for the first 150 steps, then 0.5 s (the machine's load went away)
        FakeRun run = new FakeRun(0, 10_000, step -> step < 150 ? 1.0 : 0.5, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(10_000, 400), 10_000, QUIET, () -> clock[0]);
        // step 20 (20 s): 20 + (360 - 20) / 1 = 360; a quarter (100 s, step 100): still 1 s a step, kept;
        // half (200 s, step 250): (200 - 20) / 230 s a step -> 250 + floor(160 / 0.7826) = 454;
        // three quarters (300 s, step 450): (300 - 20) / 430 -> 450 + floor(60 / 0.6512) = 542
        assertEquals(List.of(360L, 454L, 542L), run.fittedTo);
        assertEquals(542, o.steps());
        assertEquals(346.0, o.seconds(), 1e-9, "without the last refit it would stop at 454 steps, 302 s: 75% of the cap");
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
