package dev.tessel.models.data;

import dev.tessel.tensor.Philox;

/**
 * The random draws of one generated example: a Philox stream keyed by (seed, stream salt) and
 * positioned by the example's index, so example i never depends on examples before it.
 *
 * <p>Invariant: one example may draw at most {@link #DRAWS_PER_EXAMPLE} numbers (its counter
 * window); more would overlap the next example's window, so {@link #uniform()} refuses.
 */
final class ExampleRandom {
    private static final int WINDOW_BITS = 16;
    /** Philox gives 4 numbers per counter, so a window of 2^16 counters holds 2^18 draws. */
    static final long DRAWS_PER_EXAMPLE = 4L << WINDOW_BITS;

    private final long key;
    private final long offset;
    private long drawn;

    ExampleRandom(long seed, long salt, long index) {
        this.key = mix(seed ^ mix(salt));
        this.offset = index << WINDOW_BITS;
    }

    /** Uniform in (0, 1). */
    double uniform() {
        if (drawn == DRAWS_PER_EXAMPLE) throw new IllegalStateException("example drew more than " + DRAWS_PER_EXAMPLE + " random numbers");
        return Philox.uniform(key, offset, drawn++);
    }

    /** Uniform integer in [0, n). */
    int below(int n) {
        return (int) Math.min(n - 1, (long) (uniform() * n));
    }

    /** Uniform integer in [lo, hi], both included. */
    int between(int lo, int hi) {
        return lo + below(hi - lo + 1);
    }

    boolean coin() {
        return uniform() < 0.5;
    }

    /** The SplitMix64 finaliser: spreads nearby seeds over the whole key space. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
