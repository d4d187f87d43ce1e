package dev.tessel.tensor;

/**
 * Element types a {@link Tensor} can hold.
 *
 * <p>Invariant: {@link #byteSize()} is the storage width of one element; every read and write of
 * an element goes through {@link Tensor#getDouble(long)} / {@link Tensor#setDouble(long, double)}
 * or a backend's typed fast path, which must agree with {@link #decode} / {@link #encode} here.
 * MEAN_1_6_9 and VAR_0_6_10 are the paper's 16-bit Adam-moment formats (see {@link MomentFormat}).
 */
public enum DType {
    F64(8, "F64", true),
    F32(4, "F32", true),
    F16(2, "F16", true),
    BF16(2, "BF16", true),
    I32(4, "I32", false),
    I64(8, "I64", false),
    U8(1, "U8", false),
    BOOL(1, "BOOL", false),
    /** Paper's Adam-mean format: sign, 6 exponent bits, 9 mantissa bits. */
    MEAN_1_6_9(2, "TESSEL_1_6_9", true),
    /** Paper's Adam-variance format: no sign, 6 exponent bits, 10 mantissa bits. */
    VAR_0_6_10(2, "TESSEL_0_6_10", true);

    private final int byteSize;
    private final String safetensorsName;
    private final boolean floating;

    DType(int byteSize, String safetensorsName, boolean floating) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.floating = floating;
    }

    public int byteSize() { return byteSize; }

    public boolean isFloating() { return floating; }

    /** The dtype string written to and read from safetensors headers. */
    public String safetensorsName() { return safetensorsName; }

    public static DType fromSafetensorsName(String name) {
        for (DType d : values()) if (d.safetensorsName.equals(name)) return d;
        throw new IllegalArgumentException("unknown dtype '" + name + "'");
    }

    /** Converts raw element bits (zero-extended into a long) to a double. */
    public double decode(long bits) {
        return switch (this) {
            case F64 -> Double.longBitsToDouble(bits);
            case F32 -> Float.intBitsToFloat((int) bits);
            case F16 -> Float.float16ToFloat((short) bits);
            case BF16 -> Float.intBitsToFloat(((int) bits & 0xFFFF) << 16);
            case I32 -> (int) bits;
            case I64 -> bits;
            case U8, BOOL -> bits & 0xFF;
            case MEAN_1_6_9 -> MomentFormat.MEAN_1_6_9.decode((short) bits);
            case VAR_0_6_10 -> MomentFormat.VAR_0_6_10.decode((short) bits);
        };
    }

    /**
     * Converts a double to raw element bits, rounding to nearest even for the narrow floats
     * (once, from the double: the 16-bit formats go through {@link #toFloatRoundToOdd}).
     */
    public long encode(double v) {
        return switch (this) {
            case F64 -> Double.doubleToRawLongBits(v);
            case F32 -> Float.floatToRawIntBits((float) v) & 0xFFFFFFFFL;
            case F16 -> Float.floatToFloat16(toFloatRoundToOdd(v)) & 0xFFFFL;
            case BF16 -> floatToBf16(toFloatRoundToOdd(v)) & 0xFFFFL;
            case I32 -> (int) v & 0xFFFFFFFFL;
            case I64 -> (long) v;
            case U8 -> (long) v & 0xFF;
            case BOOL -> v != 0 ? 1 : 0;
            case MEAN_1_6_9 -> MomentFormat.MEAN_1_6_9.encode(toFloatRoundToOdd(v)) & 0xFFFFL;
            case VAR_0_6_10 -> MomentFormat.VAR_0_6_10.encode(toFloatRoundToOdd(v)) & 0xFFFFL;
        };
    }

    /**
     * Converts an integer to raw element bits without a detour through double, so I64 values
     * beyond 2^53 keep their low bits (I32 and U8 wrap like a Java cast; BOOL is v != 0).
     */
    public long encodeLong(long v) {
        return switch (this) {
            case I32 -> (int) v & 0xFFFFFFFFL;
            case I64 -> v;
            case U8 -> v & 0xFF;
            case BOOL -> v != 0 ? 1 : 0;
            default -> encode((double) v);
        };
    }

    /**
     * double -> float rounded to odd: an inexact result keeps a set last bit as a sticky bit.
     * Rounding to nearest even first to float and then to a 16-bit format can round twice in
     * the same direction (1 + 2^-11 + 2^-40 would become 1.0 in F16, not 1 + 2^-10); a
     * round-to-odd float has 13+ more bits than any 16-bit format here (needed: 2), so the
     * second rounding is then exactly the correct single rounding of {@code v}.
     */
    static float toFloatRoundToOdd(double v) {
        float f = (float) v;
        if ((double) f == v || Float.isInfinite(f) || Double.isNaN(v)) return f;
        if ((Float.floatToRawIntBits(f) & 1) != 0) return f;
        return (double) f < v ? Math.nextUp(f) : Math.nextDown(f);
    }

    /** float -> bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
