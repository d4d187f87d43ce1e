package dev.tessel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The paper's Adam-moment formats against DESIGN.md section 3 ("Mixed precision"): bias 60, no
 * Inf/NaN codes, subnormals in exponent field 0, round to nearest even, saturation, NaN and
 * (unsigned format) negative input rejected. Known answers, then exhaustive properties.
 */
class MomentFormatTest {
    private static final MomentFormat MEAN = MomentFormat.MEAN_1_6_9;
    private static final MomentFormat VAR = MomentFormat.VAR_0_6_10;

    private static int code(MomentFormat f, double x) { return f.encode((float) x) & 0xFFFF; }

    @Test
    void oneEncodesAsExponentFieldSixtyAndDecodesBack() {
        assertEquals(60 << 9, code(MEAN, 1.0));
        assertEquals(60 << 10, code(VAR, 1.0));
        assertEquals(1.0f, MEAN.decode((short) (60 << 9)));
        assertEquals(1.0f, VAR.decode((short) (60 << 10)));
        assertEquals(-1.0f, MEAN.decode((short) (0x8000 | 60 << 9)));
    }

    @Test
    void maximumIsJustUnderSixteen() {
        assertEquals(15.984375, MEAN.maxValue());
        assertEquals(15.9921875, VAR.maxValue());
        assertEquals((2 - 0x1p-9) * 8, MEAN.maxValue());
        assertEquals((2 - 0x1p-10) * 8, VAR.maxValue());
        assertEquals(0x7FFF, code(MEAN, 15.984375));
        assertEquals(0xFFFF, code(VAR, 15.9921875));
        assertEquals(15.984375f, MEAN.decode((short) 0x7FFF));
        assertEquals(15.9921875f, VAR.decode((short) 0xFFFF));
        assertEquals(-15.984375f, MEAN.decode((short) 0xFFFF));
    }

    @Test
    void minimumNormalAndSubnormal() {
        assertEquals(0x1p-59, MEAN.minNormal());
        assertEquals(0x1p-59, VAR.minNormal());
        assertEquals(0x1p-68, MEAN.minSubnormal());
        assertEquals(0x1p-69, VAR.minSubnormal());
        assertEquals(1 << 9, code(MEAN, 0x1p-59));
        assertEquals(1 << 10, code(VAR, 0x1p-59));
        assertEquals(1, code(MEAN, 0x1p-68));
        assertEquals(1, code(VAR, 0x1p-69));
        assertEquals(0x1p-68f, MEAN.decode((short) 1));
        assertEquals(0x1p-69f, VAR.decode((short) 1));
        // The largest subnormal is one step below the smallest normal.
        assertEquals((float) (0x1p-59 - 0x1p-68), MEAN.decode((short) 0x1FF));
    }

    @Test
    void tiesRoundToEvenEachWay() {
        // Normal range: 1 + 2^-10 is halfway between 1 (mantissa 0, even) and 1 + 2^-9 (odd): down.
        assertEquals(60 << 9, code(MEAN, 1 + 0x1p-10));
        // 1 + 3 * 2^-10 is halfway between 1 + 2^-9 (odd) and 1 + 2^-8 (even): up.
        assertEquals((60 << 9) + 2, code(MEAN, 1 + 3 * 0x1p-10));
        assertEquals(60 << 10, code(VAR, 1 + 0x1p-11));
        assertEquals((60 << 10) + 2, code(VAR, 1 + 3 * 0x1p-11));
        // Subnormal range: half the minimum subnormal goes to 0, one and a half to 2.
        assertEquals(0, code(MEAN, 0x1p-69));
        assertEquals(2, code(MEAN, 3 * 0x1p-69));
        assertEquals(0, code(VAR, 0x1p-70));
        assertEquals(2, code(VAR, 3 * 0x1p-70));
        // Just off a tie rounds to nearest.
        assertEquals((60 << 9) + 1, code(MEAN, 1 + 0x1p-10 + 0x1p-20));
        // Negative ties mirror the positive ones.
        assertEquals(0x8000 | (60 << 9) + 2, code(MEAN, -(1 + 3 * 0x1p-10)));
        // A mantissa that rounds up carries into the exponent: 2 - 2^-11 -> 2.0.
        assertEquals(61 << 9, code(MEAN, 2 - 0x1p-11));
        // The largest subnormal rounding up becomes the smallest normal.
        assertEquals(1 << 9, code(MEAN, 0x1p-59 - 0x1p-70));
    }

    @Test
    void saturatesAboveMaximumAndAtInfinity() {
        assertEquals(0x7FFF, code(MEAN, 16.0));
        assertEquals(0x7FFF, code(MEAN, 1e30));
        assertEquals(0x7FFF, code(MEAN, Double.POSITIVE_INFINITY));
        assertEquals(0xFFFF, code(MEAN, Double.NEGATIVE_INFINITY));
        assertEquals(0xFFFF, code(MEAN, -100.0));
        assertEquals(0xFFFF, code(VAR, 16.0));
        assertEquals(0xFFFF, code(VAR, Double.POSITIVE_INFINITY));
        // Between max and the next would-be step (max + half a step) still rounds to max.
        assertEquals(0x7FFF, code(MEAN, 15.984375 + 0x1p-8));
    }

    @Test
    void rejectsNaNAndNegativeInUnsignedFormat() {
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> MEAN.encode(Float.NaN));
        assertTrue(nan.getMessage().contains("NaN") && nan.getMessage().contains("MEAN_1_6_9"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VAR.encode(Float.NaN));
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> VAR.encode(-1e-30f));
        assertTrue(neg.getMessage().contains("negative"), neg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VAR.encode(Float.NEGATIVE_INFINITY));
    }

    @Test
    void negativeZero() {
        assertEquals(0x8000, code(MEAN, -0.0));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(MEAN.decode((short) 0x8000)));
        assertEquals(0, code(VAR, -0.0), "the unsigned format stores -0 as its only zero");
        assertEquals(0, code(MEAN, 0.0));
    }

    @Test
    void everyCodeDecodesAndEncodesBackToItself() {
        for (MomentFormat f : MomentFormat.values()) {
            for (int c = 0; c < 1 << 16; c++) {
                float v = f.decode((short) c);
                assertTrue(Float.isFinite(v), f + " code " + c);
                int back = f.encode(v) & 0xFFFF;
                // -0 (code 0x8000 of the signed format) keeps its sign bit, so it maps to itself too.
                if (back != c) throw new AssertionError(f + ": code 0x" + Integer.toHexString(c) + " -> " + v + " -> 0x" + Integer.toHexString(back));
            }
        }
    }

    @Test
    void decodeIsStrictlyIncreasingInMagnitudeCode() {
        for (MomentFormat f : MomentFormat.values()) {
            int magnitudeCodes = 1 << (MomentFormat.EXPONENT_BITS + f.mantissaBits());
            for (int c = 1; c < magnitudeCodes; c++) {
                if (!(f.decode((short) c) > f.decode((short) (c - 1)))) throw new AssertionError(f + " not increasing at " + c);
            }
        }
    }

    /**
     * Encoding is monotone and picks the nearest code, over a dense sweep of floats: every float
     * bit pattern from 0 up past the maximum with a stride, plus each code's neighbours.
     */
    @Test
    void encodeIsMonotoneAndNearest() {
        for (MomentFormat f : MomentFormat.values()) {
            int prev = 0;
            int end = Float.floatToRawIntBits(20f);
            for (int bits = 0; bits <= end; bits += 997) {
                float x = Float.intBitsToFloat(bits);
                int c = f.encode(x) & 0xFFFF;
                if (c < prev) throw new AssertionError(f + ": encode not monotone at " + x);
                prev = c;
                checkNearest(f, x, c);
                if (f.signed()) {
                    int negative = f.encode(-x) & 0xFFFF;
                    if (negative != (c | 0x8000)) throw new AssertionError(f + ": -x does not mirror x at " + x);
                }
            }
            int magnitudeCodes = 1 << (MomentFormat.EXPONENT_BITS + f.mantissaBits());
            for (int c = 0; c < magnitudeCodes; c++) {
                float v = f.decode((short) c);
                for (float x : new float[] {Math.nextDown(v), Math.nextUp(v)}) {
                    if (x >= 0) checkNearest(f, x, f.encode(x) & 0xFFFF);
                }
            }
        }
    }

    /** {@code c} is at least as close to {@code x} as both neighbouring codes (or saturated). */
    private static void checkNearest(MomentFormat f, float x, int c) {
        int maxCode = (1 << (MomentFormat.EXPONENT_BITS + f.mantissaBits())) - 1;
        int magnitude = c & maxCode;
        double err = Math.abs(f.decode((short) magnitude) - (double) x);
        if (magnitude > 0 && Math.abs(f.decode((short) (magnitude - 1)) - (double) x) < err) {
            throw new AssertionError(f + ": code below is nearer for " + x);
        }
        if (magnitude < maxCode && Math.abs(f.decode((short) (magnitude + 1)) - (double) x) < err) {
            throw new AssertionError(f + ": code above is nearer for " + x);
        }
    }

    @Test
    void dtypeRoutesThroughTheFormatsWithOneRounding() {
        assertEquals(code(MEAN, -2.5), DType.MEAN_1_6_9.encode(-2.5));
        assertEquals(-2.5, DType.MEAN_1_6_9.decode(DType.MEAN_1_6_9.encode(-2.5)));
        assertEquals(3.0, DType.VAR_0_6_10.decode(DType.VAR_0_6_10.encode(3.0)));
        // 1 + 2^-10 + 2^-40 is just above the 1-6-9 tie: the correct rounding is up. A detour
        // through a round-to-nearest float would drop the 2^-40 and then round the tie down.
        assertEquals((60 << 9) + 1, DType.MEAN_1_6_9.encode(1 + 0x1p-10 + 0x1p-40));
        assertEquals(60 << 9, DType.MEAN_1_6_9.encode(1 + 0x1p-10));
    }
}
