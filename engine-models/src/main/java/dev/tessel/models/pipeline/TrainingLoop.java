// TrainingLoop: the one time-boxed loop every demo training stage runs (dVAE, transformer,
// reranker): a step budget AND a wall-clock cap, a schedule fitted to the cap, progress, periodic
// atomic checkpoints and the loss history.
//
// Invariants: the loop never starts a step after the cap has passed, so a run overshoots its cap
// by at most one step plus one checkpoint; the schedule is fitted only in a fresh run: first at a
// tenth of the cap, on the pace of the steps since a twentieth (only ever shortened there), then again
// at a quarter, a half and three quarters of the cap, each on the pace of the steps since the
// previous fit (shortened or lengthened, never beyond the step budget, only when off by over
// REFIT_TOLERANCE); every fit times at least TIMED_STEPS steps; a resumed run keeps the length its
// checkpoint has; the last state is always saved, whatever stopped the loop.
package dev.tessel.models.pipeline;

import dev.tessel.models.report.ProgressBar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/** Runs a {@link Run} within a {@link Budget}. */
public final class TrainingLoop {
    /** Steps never timed, whatever the cap: the first ones run while the JIT is still compiling. */
    static final int WARMUP_STEPS = 20;
    /** The fewest steps a fit times. */
    static final int TIMED_STEPS = 20;
    /**
     * The first fit happens at FIRST_FIT_SHARE of the cap and times the steps since WARM_SHARE of it.
     * A fixed count of steps was not enough: timed on steps 20-40 (about two seconds of the dVAE's, with
     * the JIT still compiling), the demo's dVAE was planned 2,721-3,417 steps where it then ran
     * 5,116-5,685 (runs W2, X, Y, Z; docs/results.md): its temperature was down to 0.14-0.22 by steps
     * 1,024-1,249, when the refit at a quarter of the cap lengthened the schedule and threw it back up
     * to 0.50-0.55 -- a re-heating that differed from run to run. A fit that shortens only moves the
     * schedules forward, so the first fit must not plan short. (This first fit was reverted once: two of
     * four runs with it had a transformer at half pace, on JIT code compiled during the dVAE. Each demo
     * stage now trains in a JVM of its own, DemoModels.StageJvm.)
     */
    static final double WARM_SHARE = 0.05, FIRST_FIT_SHARE = 0.1;
    /**
     * Share of the cap a fit plans to use (the rest absorbs checkpoints and noise). With 0.9, timed
     * on every step since the first fit, the demo's three stages ended at 88% of their caps (dVAE
     * 264.9 of 300 s, transformer 332.8 of 386 s, reranker 104.9 of 120 s; docs/results.md), 104 s of
     * the 15 minutes unused.
     */
    static final double PLAN_SHARE = 0.96;
    /**
     * When (shares of the cap) the schedule is fitted again on warmed-up steps. The one at three
     * quarters catches a machine whose pace changed after half-time: with refits at a quarter and a
     * half only, the demo's dVAE and transformer ended at 81% and 88% of their caps (run N,
     * docs/results.md). Not later: the learning rate may jump a little at a refit (a cosine at 75%
     * of its length lengthened by 10% goes from 0.15 to 0.24 of its peak), and later it could not settle.
     */
    static final double[] REFIT_SHARES = {0.25, 0.5, 0.75};
    /** A refit that changes the schedule by at most this share of it is skipped (noise, not a new pace). */
    static final double REFIT_TOLERANCE = 0.03;

    private TrainingLoop() {}

    /** At most {@code steps} updates and at most {@code seconds} of wall clock. */
    public record Budget(long steps, double seconds) implements java.io.Serializable {
        public Budget {
            if (steps <= 0 || !(seconds > 0)) throw new IllegalArgumentException("training budget needs steps > 0 and seconds > 0, got " + steps + ", " + seconds);
        }

        public String describe() { return steps + " steps or " + Math.round(seconds) + " s"; }
    }

    /** A resumable training run as the loop sees it. */
    public interface Run {
        /** Updates completed (restored from a checkpoint, or 0). */
        long step();

        /** Length of the run's schedules (learning rate, temperature, ...). */
        long scheduledSteps();

        /** Losses of the updates completed before this process (from the checkpoint), oldest first. */
        float[] previousLosses();

        /** One update; returns its loss. */
        double trainStep();

        /** Progress fields to show besides the loss (e.g. temperature), read after a step. */
        default Map<String, Double> fields() { return Map.of(); }

        /** Writes a checkpoint of the current state and the loss history atomically. */
        void save(float[] losses);

        /** Sets the schedules' length to {@code steps} (up to four times, in a fresh run; see the class comment). */
        void fitSchedule(long steps);
    }

    /** What a call did; {@code steps} is where the run stands, {@code timeBoxed} whether the cap stopped it. */
    public record Outcome(long steps, long scheduledSteps, boolean timeBoxed, double seconds, float[] losses) {}

    /**
     * Trains until the budget is spent. {@code bars} makes the progress bar for a total number of
     * steps; a fitted schedule gets a fresh bar with the new total (the first one is dropped, not
     * closed, so a terminal shows one line).
     */
    public static Outcome run(Run run, Budget budget, int checkpointEvery, LongFunction<ProgressBar> bars) {
        return run(run, budget, checkpointEvery, bars, System::nanoTime);
    }

    /** As above, reading time from {@code nanoClock} (tests drive it). */
    static Outcome run(Run run, Budget budget, int checkpointEvery, LongFunction<ProgressBar> bars, LongSupplier nanoClock) {
        List<Float> losses = new ArrayList<>();
        for (float f : run.previousLosses()) losses.add(f);
        long target = Math.min(budget.steps(), run.scheduledSteps());
        boolean fresh = run.step() == 0;
        long start = nanoClock.getAsLong();
        // the timing window: opens once the run is warm, restarts at every fit (windowStartStep < 0: not open yet)
        long windowStart = 0, windowStartStep = -1;
        boolean timeBoxed = false;
        int fits = 0;   // the first fit, then one per REFIT_SHARES
        ProgressBar bar = bars.apply(target);
        while (run.step() < target) {
            long now = nanoClock.getAsLong();
            double elapsed = (now - start) / 1e9;
            if (elapsed >= budget.seconds()) {
                timeBoxed = true;
                break;
            }
            if (fresh && windowStartStep < 0 && run.step() >= WARMUP_STEPS && elapsed >= WARM_SHARE * budget.seconds()) {
                windowStart = now;
                windowStartStep = run.step();
            }
            long fit = -1, timed = windowStartStep < 0 ? 0 : run.step() - windowStartStep;
            boolean firstFit = fits == 0;
            if (fresh && timed >= TIMED_STEPS && fits <= REFIT_SHARES.length
                    && elapsed >= (firstFit ? FIRST_FIT_SHARE : REFIT_SHARES[fits - 1]) * budget.seconds()) {
                // the pace of the steps since the previous fit is the one the rest of the run is likeliest
                // to keep (the JIT has warmed up; a shared machine's load moves)
                double perStep = (now - windowStart) / 1e9 / timed;
                fit = Math.min(budget.steps(), fittedSteps(budget, elapsed, perStep, run.step()));
                if (firstFit ? fit >= target : Math.abs(fit - target) <= target * REFIT_TOLERANCE) fit = -1;
                fits++;
                windowStart = now;
                windowStartStep = run.step();
            }
            if (fit > 0) {
                target = fit;
                run.fitSchedule(target);
                bar = bars.apply(target);
            }
            losses.add((float) run.trainStep());
            bar.field("loss", losses.getLast());
            run.fields().forEach(bar::field);
            bar.update(run.step());
            if (run.step() % checkpointEvery == 0 && run.step() < target) run.save(toArray(losses));
        }
        bar.close();
        float[] history = toArray(losses);
        run.save(history);
        return new Outcome(run.step(), target, timeBoxed, (nanoClock.getAsLong() - start) / 1e9, history);
    }

    /** Steps done plus what fits in PLAN_SHARE of the cap at {@code perStep} seconds each (at least one more). */
    static long fittedSteps(Budget budget, double elapsed, double perStep, long done) {
        return done + Math.max(1, (long) Math.floor((budget.seconds() * PLAN_SHARE - elapsed) / perStep));
    }

    static float[] toArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }
}
