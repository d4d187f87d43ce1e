package dev.tessel.cli.golden;

import java.util.Locale;

/**
 * How close a computed element must be to the expected one: {@code |got - exp| <= atol + rtol*|exp|}
 * (FORMAT.md section 2), or bit-for-bit value equality when {@code exact}.
 *
 * <p>Invariant: NaN is only accepted where NaN is expected; infinities must match exactly.
 */
public record Tolerance(double atol, double rtol, boolean exact) {
    public static final Tolerance EXACT = new Tolerance(0, 0, true);

    public static Tolerance of(double atol, double rtol) {
        if (!(atol >= 0) || !(rtol >= 0)) throw new IllegalArgumentException("tolerance atol " + atol + " rtol " + rtol + ": both must be >= 0");
        return new Tolerance(atol, rtol, false);
    }

    /** The largest |got - exp| allowed at this expected value. */
    public double allowed(double expected) {
        return exact ? 0 : atol + rtol * Math.abs(expected);
    }

    public boolean accepts(double got, double expected) {
        if (Double.isNaN(expected) || Double.isNaN(got)) return Double.isNaN(expected) && Double.isNaN(got);
        if (exact || Double.isInfinite(expected) || Double.isInfinite(got)) return got == expected;
        return Math.abs(got - expected) <= allowed(expected);
    }

    @Override
    public String toString() {
        return exact ? "exact" : String.format(Locale.ROOT, "atol %.0e rtol %.0e", atol, rtol);
    }
}
