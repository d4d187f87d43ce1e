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
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(100, 20), 5, QUIET, () -> clock[0]);
        // after 6 one-second steps: 6 + floor((0.9 * 20 - 6) / 1) = 18 steps fit
        assertEquals(List.of(18L), run.fittedTo);
        assertEquals(18, o.steps());
        assertEquals(18, o.scheduledSteps());
        assertFalse(o.timeBoxed(), "the fitted schedule finishes before the cap");
        assertEquals(List.of(5L, 10L, 15L, 18L), run.savedAt);
        assertEquals(18, run.lastSaved.length);
        assertEquals(18f, run.lastSaved[17]);
    }

    @Test
    void slowFirstStepsAreCorrectedByASecondFitOnWarmedUpSteps() {
        long[] clock = {0};
        // 3 s per step while "the JIT warms up" (the first 6), then 1 s
        FakeRun run = new FakeRun(0, 1000, step -> step < 6 ? 3.0 : 1.0, clock);
        TrainingLoop.Outcome o = TrainingLoop.run(run, new TrainingLoop.Budget(1000, 100), 1000, QUIET, () -> clock[0]);
        // first fit at step 6 (18 s in): 6 + floor((90 - 18) / 3) = 30; at 25 s (step 13) the
        // warmed-up rate of 1 s gives 13 + floor((90 - 25) / 1) = 78
        assertEquals(List.of(30L, 78L), run.fittedTo);
        assertEquals(78, o.steps());
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
