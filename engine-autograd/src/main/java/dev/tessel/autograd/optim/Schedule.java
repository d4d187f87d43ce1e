// Schedule: a value (learning rate, KL weight, temperature) as a pure function of the update count.
//
// Invariant: value(step) depends on step only (no hidden state), so a resumed run gets the same
// numbers; step counts completed updates and starts at 0. Plateau halving, which depends on the
// loss history, is the separate stateful HalveOnPlateau.
package dev.tessel.autograd.optim;

/** The schedules DALL·E uses (DESIGN.md 3): cosine annealing and linear warmup. */
@FunctionalInterface
public interface Schedule {
    double value(long step);

    /** start -> end along half a cosine over {@code steps} updates, then stays at end. */
    static Schedule cosine(double start, double end, long steps) {
        if (steps <= 0) throw new IllegalArgumentException("Schedule.cosine: steps must be positive, got " + steps);
        return step -> {
            double progress = Math.min(Math.max(step, 0), steps) / (double) steps;
            return end + (start - end) * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }

    /** 0 -> peak linearly over {@code warmupSteps} updates, then {@code after} (shifted so it starts at 0 when warmup ends). */
    static Schedule linearWarmup(double peak, long warmupSteps, Schedule after) {
        if (warmupSteps <= 0) throw new IllegalArgumentException("Schedule.linearWarmup: warmupSteps must be positive, got " + warmupSteps);
        return step -> step < warmupSteps ? peak * Math.max(step, 0) / warmupSteps : after.value(step - warmupSteps);
    }

    /** 0 -> peak linearly over {@code warmupSteps} updates, then constant at peak. */
    static Schedule linearWarmup(double peak, long warmupSteps) { return linearWarmup(peak, warmupSteps, step -> peak); }

    static Schedule constant(double value) { return step -> value; }
}
