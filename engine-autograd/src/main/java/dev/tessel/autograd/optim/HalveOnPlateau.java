// HalveOnPlateau: a multiplier that halves when a monitored loss stops improving (DALL·E:
// "halve the learning rate on plateau", at most 5 times).
//
// Invariant: factor() = 0.5^halvings with halvings <= maxHalvings; it only changes inside
// observe(), after `patience` consecutive observations that fail to beat the best loss by the
// relative threshold (torch ReduceLROnPlateau, mode "min", threshold_mode "rel", no cooldown).
package dev.tessel.autograd.optim;

/** Multiply a schedule's value by {@link #factor()}. Not thread-safe. */
public final class HalveOnPlateau {
    private final int patience, maxHalvings;
    private final double relativeThreshold;
    private double best = Double.POSITIVE_INFINITY;
    private int badObservations, halvings;

    public HalveOnPlateau(int patience, int maxHalvings, double relativeThreshold) {
        if (patience < 0 || maxHalvings < 0 || !(relativeThreshold >= 0 && relativeThreshold < 1)) {
            throw new IllegalArgumentException("HalveOnPlateau: need patience >= 0, maxHalvings >= 0, 0 <= threshold < 1; got "
                    + patience + ", " + maxHalvings + ", " + relativeThreshold);
        }
        this.patience = patience;
        this.maxHalvings = maxHalvings;
        this.relativeThreshold = relativeThreshold;
    }

    /** torch's default threshold 1e-4. */
    public HalveOnPlateau(int patience, int maxHalvings) { this(patience, maxHalvings, 1e-4); }

    /** Records one evaluation of the loss; returns true when this observation halved the factor. */
    public boolean observe(double loss) {
        if (Double.isNaN(loss)) throw new IllegalArgumentException("HalveOnPlateau.observe: loss is NaN");
        if (loss < best * (1 - relativeThreshold) || best == Double.POSITIVE_INFINITY) {
            best = loss;
            badObservations = 0;
            return false;
        }
        if (++badObservations > patience && halvings < maxHalvings) {
            halvings++;
            badObservations = 0;
            return true;
        }
        return false;
    }

    public double factor() { return Math.scalb(1.0, -halvings); }

    public int halvings() { return halvings; }

    public double best() { return best; }
}
