// TrainingLoop: the one time-boxed loop every demo training stage runs (dVAE, transformer,
// reranker): a step budget AND a wall-clock cap, a schedule fitted to the cap, progress, periodic
// atomic checkpoints and the loss history.
//
// Invariants: the loop never starts a step after the cap has passed, so a run overshoots its cap
// by at most one step plus one checkpoint; the schedule is fitted only in a fresh run: once after
// the first steps (only ever shortened there) and again at a quarter, a half and three quarters of
// the cap, each on the pace of the steps since the previous fit, once there are as many as the first
// fit timed (shortened or lengthened, never beyond the step budget, only when off by over
// REFIT_TOLERANCE); a resumed run keeps the length its checkpoint has; the last state is always saved, whatever
// stopped the loop.
package dev.tessel.models.pipeline;

import dev.tessel.models.report.ProgressBar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/** Runs a {@link Run} within a {@link Budget}. */
public final class TrainingLoop {
    /**
     * The step at which the schedule is first fitted to the wall-clock cap, timed on the steps since
     * {@link #PROBE_WARMUP} (the earlier ones run while the JIT is still compiling). Timing from the
     * second step was not enough: in run O (docs/results.md) the dVAE's steps 2-20 ran at 6 a second
     * against 13-16 warmed up, the schedule was cut to 1,553 steps, and the first refit lengthened it
     * to 3,402 after the temperature had already been annealed, throwing it back up from 1/16 to 0.49.
     * Steps 20-40 are still slower than the rest: the demo's dVAE is planned 50-67% short and its first
     * refit re-heats the temperature from 0.14-0.22 to 0.50-0.55 (runs W2-Z). A first fit at a tenth of
     * the cap fixed that and was reverted: two of its four runs had a transformer at half its pace, a
     * JIT effect that may follow the fit's moment (docs/results.md, "The first fit came too early").
     */
    static final int PROBE_STEPS = 40;
    /** Steps not timed by the first fit. */
    static final int PROBE_WARMUP = 20;
    /** Share of the cap the first fit plans to use (the rest absorbs checkpoints and noise). */
    static final double PLAN_SHARE = 0.9;
    /**
     * Share of the cap a refit plans to use. A refit times warmed-up steps, so it can plan closer
     * to the cap than the first fit: with 0.9 of the cap, timed on every step since the first fit,
     * the demo's three stages ended at 88% of their caps (dVAE 264.9 of 300 s, transformer 332.8 of
     * 386 s, reranker 104.9 of 120 s; docs/results.md), 104 s of the 15 minutes unused.
     */
    static final double REFIT_PLAN_SHARE = 0.96;
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

        /** Sets the schedules' length to {@code steps} (at most twice, in a fresh run; see the class comment). */
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
        // windowStartStep stays 0 until the first fit (step PROBE_STEPS); a clock reading cannot say that,
        // since System.nanoTime may be negative
        long start = nanoClock.getAsLong(), probeStart = 0, windowStart = 0, windowStartStep = 0;
        boolean timeBoxed = false;
        int refits = 0;
        ProgressBar bar = bars.apply(target);
        while (run.step() < target) {
            double elapsed = (nanoClock.getAsLong() - start) / 1e9;
            if (elapsed >= budget.seconds()) {
                timeBoxed = true;
                break;
            }
            long fit = -1;
            if (fresh && run.step() == PROBE_WARMUP) probeStart = nanoClock.getAsLong();
            if (fresh && run.step() == PROBE_STEPS && target > PROBE_STEPS) {
                fit = fittedSteps(budget, PLAN_SHARE, elapsed, (nanoClock.getAsLong() - probeStart) / 1e9 / (PROBE_STEPS - PROBE_WARMUP), run.step());
                if (fit >= target) fit = -1;
                windowStart = nanoClock.getAsLong();
                windowStartStep = run.step();
            } else if (fresh && refits < REFIT_SHARES.length && windowStartStep > 0 && elapsed >= REFIT_SHARES[refits] * budget.seconds()
                    && run.step() - windowStartStep >= PROBE_STEPS - PROBE_WARMUP) {
                // the first steps run before the JIT has warmed up (and a shared machine's load moves): time
                // the steps since the previous fit, the pace the rest of the run is likeliest to keep
                refits++;
                double perStep = (nanoClock.getAsLong() - windowStart) / 1e9 / (run.step() - windowStartStep);
                fit = Math.min(budget.steps(), fittedSteps(budget, REFIT_PLAN_SHARE, elapsed, perStep, run.step()));
                if (Math.abs(fit - target) <= target * REFIT_TOLERANCE) fit = -1;
                windowStart = nanoClock.getAsLong();
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

    /** Steps done plus what fits in {@code planShare} of the cap at {@code perStep} seconds each (at least one more). */
    static long fittedSteps(Budget budget, double planShare, double elapsed, double perStep, long done) {
        return done + Math.max(1, (long) Math.floor((budget.seconds() * planShare - elapsed) / perStep));
    }

    static float[] toArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }
}
