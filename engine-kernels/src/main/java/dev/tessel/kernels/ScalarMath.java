package dev.tessel.kernels;

import dev.tessel.tensor.DType;

/**
 * The scalar definition of every elementwise op, in double, plus the one rounding step from a
 * double result to a dtype's bits. Every backend's fast path must agree with these (to its
 * dtype's rounding); the Reference backend calls them directly.
 *
 * <p>Invariant: one formula per op, written here once. Where a textbook form cancels badly the
 * equivalent stable form is used (sigmoid never exponentiates a positive number; the GELUs use
 * erfc and sigmoid so their negative tails keep relative accuracy instead of collapsing to 0).
 */
public final class ScalarMath {
    /** √(2/π), the GELU_TANH constant (FORMAT.md 3.8). */
    public static final double GELU_TANH_SCALE = 0.7978845608028654;
    public static final double GELU_TANH_CUBIC = 0.044715;
    public static final double GELU_SIGMOID_SCALE = 1.702;
    private static final double INV_SQRT2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    private ScalarMath() {}

    public static double unary(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case RELU -> Math.max(x, 0.0);
            case ERF -> SpecialFunctions.erf(x);
            // 0.5·x·(1 + erf(x/√2)) = 0.5·x·erfc(−x/√2), without cancellation for x << 0.
            case GELU_ERF -> 0.5 * x * SpecialFunctions.erfc(-x * INV_SQRT2);
            case GELU_SIGMOID -> x * sigmoid(GELU_SIGMOID_SCALE * x);
            // 0.5·(1 + tanh(u)) = sigmoid(2u).
            case GELU_TANH -> x * sigmoid(2 * GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * x * x * x));
        };
    }

    public static double sigmoid(double x) {
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** Comparisons give 1 or 0; MAX and MIN propagate NaN (Math.max semantics). */
    public static double binary(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case GREATER -> a > b ? 1.0 : 0.0;
            case EQUAL -> a == b ? 1.0 : 0.0;
            // Φ(a) = erfc(−a/√2)/2 keeps relative accuracy in the negative tail, as GELU_ERF does.
            case GELU_ERF_GRAD -> b * (0.5 * SpecialFunctions.erfc(-a * INV_SQRT2) + a * Math.exp(-0.5 * a * a) * INV_SQRT_2PI);
        };
    }

    /**
     * Bits of {@code v} in {@code dtype}, rounded once. DType.encode goes double → float → half,
     * which can round twice; here F16/BF16 go through a round-to-odd float, which makes the final
     * round-to-nearest-even exact (float keeps at least two more bits than either half format).
     * Integers truncate toward zero (I32/I64 saturate, U8 wraps, NaN → 0); BOOL is v != 0.
     */
    public static long encode(DType dtype, double v) {
        return switch (dtype) {
            case F16 -> Float.floatToFloat16(roundToOddFloat(v)) & 0xFFFFL;
            case BF16 -> DType.floatToBf16(roundToOddFloat(v)) & 0xFFFFL;
            default -> dtype.encode(v);
        };
    }

    /** The float nearest {@code v} whose last mantissa bit is 1 when {@code v} is not exactly a float. */
    public static float roundToOddFloat(double v) {
        float f = (float) v;
        if (f == v || Float.isNaN(f) || Float.isInfinite(f)) return f;
        if ((Float.floatToRawIntBits(f) & 1) != 0) return f;
        return f < v ? Math.nextUp(f) : Math.nextDown(f);
    }

    /** Integer-to-integer cast: I32 keeps the low 32 bits and U8 the low 8 (two's-complement wrap, as C and NumPy do). */
    public static long encodeInteger(DType target, long v) {
        return switch (target) {
            case I32 -> v & 0xFFFFFFFFL;
            case I64 -> v;
            case U8 -> v & 0xFF;
            case BOOL -> v != 0 ? 1 : 0;
            default -> throw new IllegalArgumentException("encodeInteger: " + target + " is not an integer dtype");
        };
    }
}
