// GradScale: one resblock's gradient scale and its update rule, DALL·E section 2.4 / appendix D.
//
// Invariants: the scale always lies in [M*2^7, M*2^24] (M = data-parallel ranks); it starts at
// M*2^13; after an update whose gradients were all finite it grows by 2^(1/1000); after one with a
// non-finite gradient the update is skipped and the scale shrinks by sqrt(2), unless it already
// shrank within the last 125 updates (then only the skip happens). Every call to record() is one
// update (applied or skipped); the state is a pure function of the sequence of events, so a
// checkpoint (stateDict) restores it exactly.
package dev.tessel.autograd.mixed;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** The dynamic scale of one resblock (or, for a global loss scale, of the whole network). */
public final class GradScale {
    /** Growth factor after an all-finite update: 2^(1/1000), so the scale doubles in 1000 clean updates. */
    public static final double GROWTH = Math.pow(2, 1.0 / 1000);
    /** Shrink factor after a non-finite update. */
    public static final double BACKOFF = Math.sqrt(2);
    /** At most one decrease per this many updates. */
    public static final int DECREASE_INTERVAL = 125;

    private final double min, max;
    private double scale;
    private long updates;
    private long lastDecrease = -1;
    private long skipped;

    /** A scale for {@code ranks} data-parallel ranks (M in the paper): starts at M*2^13. */
    public GradScale(int ranks) {
        if (ranks < 1) throw new IllegalArgumentException("GradScale: data-parallel ranks must be >= 1, got " + ranks);
        this.min = ranks * Math.pow(2, 7);
        this.max = ranks * Math.pow(2, 24);
        this.scale = ranks * Math.pow(2, 13);
    }

    /** The current scale. */
    public double value() { return scale; }

    /** Updates recorded so far (applied and skipped). */
    public long updates() { return updates; }

    /** Updates skipped so far. */
    public long skipped() { return skipped; }

    public double min() { return min; }

    public double max() { return max; }

    /**
     * Records the outcome of one update and moves the scale; returns true when the update may be
     * applied (every gradient was finite), false when it must be skipped.
     */
    public boolean record(boolean allFinite) {
        long index = updates++;
        if (allFinite) {
            scale = Math.min(max, scale * GROWTH);
            return true;
        }
        skipped++;
        if (lastDecrease < 0 || index - lastDecrease >= DECREASE_INTERVAL) {
            scale = Math.max(min, scale / BACKOFF);
            lastDecrease = index;
        }
        return false;
    }

    /** The state for a checkpoint, under {@code prefix} ("scale", "updates", "last_decrease", "skipped"). */
    public Map<String, Tensor> stateDict(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(prefix + "scale", Tensor.fromDoubles(DType.F64, new double[] {scale}, 1));
        out.put(prefix + "updates", Tensor.ofLongs(new long[] {updates}, 1));
        out.put(prefix + "last_decrease", Tensor.ofLongs(new long[] {lastDecrease}, 1));
        out.put(prefix + "skipped", Tensor.ofLongs(new long[] {skipped}, 1));
        return out;
    }

    /** Restores what {@link #stateDict} wrote under {@code prefix}; the scale must lie in this scale's range. */
    public void loadStateDict(Map<String, Tensor> saved, String prefix) {
        Tensor s = saved.get(prefix + "scale"), u = saved.get(prefix + "updates"), d = saved.get(prefix + "last_decrease"),
                k = saved.get(prefix + "skipped");
        if (s == null || u == null || d == null || k == null) {
            throw new IllegalArgumentException("GradScale.loadStateDict: '" + prefix + "' needs scale, updates, last_decrease and skipped");
        }
        double value = s.getDouble(0);
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException("GradScale.loadStateDict: '" + prefix + "scale' = " + value + " is outside [" + min + ", " + max
                    + "]; was the checkpoint written for another number of data-parallel ranks?");
        }
        scale = value;
        updates = u.getLong(0);
        lastDecrease = d.getLong(0);
        skipped = k.getLong(0);
    }

    @Override
    public String toString() { return "GradScale(" + scale + ", " + updates + " updates, " + skipped + " skipped)"; }
}
