package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Result of {@link Backend#unscaleFilter}: the unscaled values (non-finite ones set to 0) and how
 * many elements were non-finite. DALL·E's per-resblock gradient scaling reads the count to decide
 * whether that resblock's scale grows or shrinks (and whether its update is skipped).
 *
 * <p>Invariant: {@code nonFinite} counts exactly the elements of {@code values} that were zeroed
 * by the filter (an element that was 0 already is not counted).
 */
public record Unscaled(Tensor values, long nonFinite) {
    /** x any float dtype and layout; scale finite and > 0. */
    public static void check(Tensor x, double scale) {
        OpChecks.requireFloat("unscaleFilter", x);
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("unscaleFilter: scale must be finite and > 0, got " + scale + " (input " + OpChecks.describe(x) + ")");
        }
    }

    /**
     * The smallest float magnitude that rounds to infinity when stored in {@code d} (F32, F16,
     * BF16): float kernels treat {@code !(|v| < limit)} as non-finite, which also catches NaN.
     */
    public static float overflowLimit(DType d) {
        return switch (d) {
            case F32 -> Float.POSITIVE_INFINITY;
            case F16 -> 65520f;                             // halfway between 65504 and 2^16; the tie goes to even = inf
            case BF16 -> Float.intBitsToFloat(0x7F7F8000);  // halfway between the bf16 maximum and 2^128
            default -> throw new IllegalArgumentException("unscaleFilter: no float overflow limit for " + d);
        };
    }
}
