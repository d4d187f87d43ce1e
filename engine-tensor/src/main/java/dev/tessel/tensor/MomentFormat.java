package dev.tessel.tensor;

/**
 * The paper's custom 16-bit formats for Adam moments (DALL·E appendix D).
 *
 * <ul>
 *   <li>{@link #MEAN_1_6_9}: sign, 6 exponent bits, 9 mantissa bits (the first moment).</li>
 *   <li>{@link #VAR_0_6_10}: no sign, 6 exponent bits, 10 mantissa bits (the second moment).</li>
 * </ul>
 *
 * <p>tessel's fixed choices where the paper is silent: exponent bias 60; no Inf/NaN codes (every
 * exponent field encodes finite values); exponent field 0 holds subnormals; round to nearest
 * even; magnitudes beyond the maximum saturate to it; NaN input (and, for the unsigned format,
 * a negative input) is reported with an exception, never encoded. So the maximum is
 * (2 - 2^-m) * 2^3, the minimum normal 2^-59 and the minimum subnormal 2^-(59+m), with m the
 * mantissa width.
 */
public enum MomentFormat {
    MEAN_1_6_9(true, 9),
    VAR_0_6_10(false, 10);

    public static final int EXPONENT_BITS = 6;
    public static final int EXPONENT_BIAS = 60;

    private final boolean signed;
    private final int mantissaBits;
    private final int maxCode;          // largest magnitude code (all exponent and mantissa bits set)
    private final double maxValue;

    MomentFormat(boolean signed, int mantissaBits) {
        this.signed = signed;
        this.mantissaBits = mantissaBits;
        this.maxCode = (1 << (EXPONENT_BITS + mantissaBits)) - 1;
        this.maxValue = (2.0 - Math.scalb(1.0, -mantissaBits)) * Math.scalb(1.0, (1 << EXPONENT_BITS) - 1 - EXPONENT_BIAS);
    }

    public boolean signed() { return signed; }

    public int mantissaBits() { return mantissaBits; }

    public double maxValue() { return maxValue; }

    public double minNormal() { return Math.scalb(1.0, 1 - EXPONENT_BIAS); }

    public double minSubnormal() { return Math.scalb(1.0, 1 - EXPONENT_BIAS - mantissaBits); }

    /** Encodes {@code x}, rounding to nearest even and saturating at {@link #maxValue()}. */
    public short encode(float x) {
        if (Float.isNaN(x)) throw new IllegalArgumentException(this + ": cannot encode NaN");
        boolean negative = (Float.floatToRawIntBits(x) & 0x80000000) != 0;
        if (negative && !signed) {
            if (x == 0f) return 0;
            throw new IllegalArgumentException(this + ": cannot encode negative value " + x + " in an unsigned format");
        }
        double a = Math.abs((double) x);
        int magnitude;
        if (a >= maxValue) {
            magnitude = maxCode;
        } else {
            int e = Math.getExponent(a);
            int minNormalExponent = 1 - EXPONENT_BIAS;
            // Dividing by a power of two is exact, so rint is an exact round-half-even to the grid.
            // A mantissa that rounds up to 2^m carries into the exponent field on its own.
            if (a == 0 || e < minNormalExponent) {
                magnitude = (int) Math.rint(Math.scalb(a, -(minNormalExponent - mantissaBits)));
            } else {
                int q = (int) Math.rint(Math.scalb(a, -(e - mantissaBits)));
                magnitude = ((e + EXPONENT_BIAS) << mantissaBits) + (q - (1 << mantissaBits));
            }
            magnitude = Math.min(magnitude, maxCode);
        }
        int sign = signed && negative ? 1 << (EXPONENT_BITS + mantissaBits) : 0;
        return (short) (sign | magnitude);
    }

    public float decode(short code) {
        int c = code & 0xFFFF;
        int exponentField = (c >>> mantissaBits) & ((1 << EXPONENT_BITS) - 1);
        int mantissa = c & ((1 << mantissaBits) - 1);
        double v = exponentField == 0
                ? Math.scalb((double) mantissa, 1 - EXPONENT_BIAS - mantissaBits)
                : Math.scalb(1.0 + Math.scalb((double) mantissa, -mantissaBits), exponentField - EXPONENT_BIAS);
        boolean negative = signed && (c >>> (EXPONENT_BITS + mantissaBits)) != 0;
        return (float) (negative ? -v : v);
    }
}
