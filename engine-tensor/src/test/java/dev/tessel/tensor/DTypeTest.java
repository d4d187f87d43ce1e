package dev.tessel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * DType conversions: F16 and BF16 encode/decode (round to nearest even, ties, overflow,
 * subnormals, NaN, Inf, one rounding from double), integer codes, and safetensors names.
 */
class DTypeTest {
    private static double f16(double v) { return DType.F16.decode(DType.F16.encode(v)); }

    private static double bf16(double v) { return DType.BF16.decode(DType.BF16.encode(v)); }

    @Test
    void f16KnownCodes() {
        assertEquals(0x3C00, DType.F16.encode(1.0));
        assertEquals(0xBC00, DType.F16.encode(-1.0));
        assertEquals(0x7BFF, DType.F16.encode(65504.0));
        assertEquals(0x0001, DType.F16.encode(0x1p-24));
        assertEquals(0x0400, DType.F16.encode(0x1p-14));
        assertEquals(0x8000, DType.F16.encode(-0.0));
        assertEquals(65504.0, DType.F16.decode(0x7BFF));
        assertEquals(0x1p-24, DType.F16.decode(0x0001));
    }

    @Test
    void f16RoundsHalfToEven() {
        assertEquals(1.0, f16(1 + 0x1p-11), "tie between 1 (even) and 1 + 2^-10: down");
        assertEquals(1 + 0x1p-9, f16(1 + 3 * 0x1p-11), "tie between 1 + 2^-10 (odd) and 1 + 2^-9: up");
        assertEquals(0.0, f16(0x1p-25), "half the smallest subnormal: to 0");
        assertEquals(2 * 0x1p-24, f16(3 * 0x1p-25), "1.5 smallest subnormals: to 2");
        assertEquals(65504.0, f16(65519.99), "below the overflow tie stays at max");
        assertEquals(Double.POSITIVE_INFINITY, f16(65520.0), "the overflow tie rounds to Inf (max is odd)");
    }

    @Test
    void f16RoundsOnceFromDouble() {
        // Just above a tie by 2^-40: the nearest F16 is 1 + 2^-10. Rounding first to float loses
        // the 2^-40 and would then round the apparent tie down to 1.
        assertEquals(1 + 0x1p-10, f16(1 + 0x1p-11 + 0x1p-40));
        assertEquals(1.0, f16(1 + 0x1p-11 - 0x1p-40));
        assertEquals(-(1 + 0x1p-10), f16(-(1 + 0x1p-11 + 0x1p-40)));
        assertEquals(0x1p-24, f16(0x1p-25 + 0x1p-60), "subnormal just above the tie rounds up");
    }

    @Test
    void f16SpecialValues() {
        assertTrue(Double.isNaN(f16(Double.NaN)));
        assertEquals(Double.POSITIVE_INFINITY, f16(Double.POSITIVE_INFINITY));
        assertEquals(Double.NEGATIVE_INFINITY, f16(Double.NEGATIVE_INFINITY));
        assertEquals(Double.POSITIVE_INFINITY, f16(1e300));
        assertEquals(0x8000, DType.F16.encode(-1e-300), "a tiny negative keeps its sign");
    }

    @Test
    void bf16KnownCodesAndTies() {
        assertEquals(0x3F80, DType.BF16.encode(1.0));
        assertEquals(0xC000, DType.BF16.encode(-2.0));
        assertEquals(1.0, bf16(1 + 0x1p-8), "tie between 1 (even) and 1 + 2^-7: down");
        assertEquals(1 + 0x1p-6, bf16(1 + 3 * 0x1p-8), "tie between 1 + 2^-7 (odd) and 1 + 2^-6: up");
        assertEquals(1 + 0x1p-7, bf16(1 + 0x1p-8 + 0x1p-40), "one rounding from double");
        assertEquals(0x7F7F, DType.BF16.encode((2 - 0x1p-7) * 0x1p127), "max finite bf16");
        assertEquals(Double.POSITIVE_INFINITY, bf16(Float.MAX_VALUE), "float max rounds up past the bf16 max");
        assertEquals(0x1p-133, bf16(0x1p-133), "smallest bf16 subnormal is exact");
    }

    @Test
    void bf16SpecialValues() {
        long nan = DType.BF16.encode(Double.NaN);
        assertTrue(Double.isNaN(DType.BF16.decode(nan)));
        assertEquals(0x40, nan & 0x40, "a NaN stays quiet");
        // A signalling float NaN whose payload lives only in the low 16 bits must not become Inf.
        short fromSignalling = DType.floatToBf16(Float.intBitsToFloat(0x7F800001));
        assertTrue(Float.isNaN(DType.bf16ToFloat(fromSignalling)));
        assertEquals(Double.POSITIVE_INFINITY, bf16(Double.POSITIVE_INFINITY));
        assertEquals(Double.NEGATIVE_INFINITY, bf16(Double.NEGATIVE_INFINITY));
        assertEquals(0x8000, DType.BF16.encode(-0.0));
    }

    /** Every F16 and BF16 code decodes to a value that encodes back to the same code (NaNs stay NaN). */
    @Test
    void everySixteenBitCodeRoundTrips() {
        for (DType d : new DType[] {DType.F16, DType.BF16}) {
            for (int c = 0; c < 1 << 16; c++) {
                double v = d.decode(c);
                long back = d.encode(v);
                if (Double.isNaN(v)) {
                    if (!Double.isNaN(d.decode(back))) throw new AssertionError(d + " NaN code " + c + " lost");
                } else if (back != c) {
                    throw new AssertionError(d + ": code 0x" + Integer.toHexString(c) + " -> " + v + " -> 0x" + Long.toHexString(back));
                }
            }
        }
    }

    @Test
    void integerCodes() {
        assertEquals(-5, DType.I32.decode(DType.I32.encode(-5)));
        assertEquals(0xFFFFFFFBL, DType.I32.encode(-5), "bits are zero-extended");
        assertEquals(1L << 40, DType.I64.decode(DType.I64.encode(0x1p40)));
        assertEquals(200, DType.U8.decode(DType.U8.encode(200)));
        assertEquals(1, DType.BOOL.encode(-3.0));
        assertEquals(0, DType.BOOL.encode(0.0));
    }

    @Test
    void safetensorsNamesRoundTripAndUnknownIsRejected() {
        for (DType d : DType.values()) assertEquals(d, DType.fromSafetensorsName(d.safetensorsName()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.fromSafetensorsName("F8_E4M3"));
        assertTrue(e.getMessage().contains("F8_E4M3"));
    }

    @Test
    void float16BulkConversionsMatchTheElementwiseEncodeAndDecode() {
        // Tensor.to(F16) from contiguous F32 and toFloatArray of contiguous F16 take array loops;
        // they must give exactly the bits of DType.encode / decode, element by element: ties,
        // subnormals, overflow to infinity, signed zeros, NaN.
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        float[] values = new float[4096];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (i % 8) {
                case 0 -> (float) rng.nextGaussian();
                case 1 -> (float) (rng.nextGaussian() * 1e-6);            // F16 subnormals
                case 2 -> (float) (rng.nextGaussian() * 7e4);             // beyond 65504: infinity
                case 3 -> Float.float16ToFloat((short) rng.nextInt(1 << 16)) + 0x1p-25f * (rng.nextBoolean() ? 1 : -1); // near ties
                case 4 -> Float.intBitsToFloat(rng.nextInt());
                case 5 -> i % 16 == 5 ? -0f : Float.NaN;
                default -> (float) (rng.nextDouble() * 2 - 1);
            };
        }
        Tensor f32 = Tensor.of(values, values.length);
        Tensor half = f32.to(DType.F16);
        float[] back = half.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            long want = DType.F16.encode(values[i]);
            assertEquals(want, half.bitsAt(i), "encode of " + values[i] + " at " + i);
            float decoded = (float) DType.F16.decode(want);
            assertEquals(Float.floatToIntBits(decoded), Float.floatToIntBits(back[i]), "decode of bits " + want + " at " + i);
        }
        // a strided F16 view reads its logical elements in order
        Tensor matrix = half.reshape(64, 64), transposed = matrix.transpose(0, 1);
        float[] read = transposed.toFloatArray();
        for (int r = 0; r < 64; r++) {
            for (int c = 0; c < 64; c++) {
                assertEquals(Float.floatToIntBits(back[c * 64 + r]), Float.floatToIntBits(read[r * 64 + c]), "transposed view at " + r + "," + c);
            }
        }
    }
}
