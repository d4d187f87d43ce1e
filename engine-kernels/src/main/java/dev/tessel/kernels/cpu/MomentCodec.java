package dev.tessel.kernels.cpu;

import dev.tessel.tensor.MomentFormat;

/**
 * Float <-> 16-bit moment code by bit manipulation, the same algorithm as tessel_moment_encode /
 * tessel_moment_decode in cuda-src/kernels/adamw.cu, for the Cpu AdamW step's inner loop.
 *
 * <p>Invariant: bit-identical to {@link MomentFormat#encode(float)} for every non-NaN float the
 * format accepts (tested) and to {@link MomentFormat#decode(short)} for every code. How: the
 * formats' exponent bias is 60 and float's 127, so a normal code is the float's bits minus
 * 67 << 23, shifted right by 23 - m with round-to-nearest-even; below 2^-59 the code is
 * rint(|x| · 2^(59 + m)), an exact power-of-two scaling then one rounding.
 */
final class MomentCodec {
    private static final int REBIAS = 67 << 23;          // (127 - 60) in the float exponent field
    private static final int MIN_NORMAL_BITS = 68 << 23; // 2^-59 as float bits

    private final int mantissaBits, shift, maxCode, maxBits, signBit;
    private final float subnormalScale, subnormalStep;

    MomentCodec(MomentFormat format) {
        mantissaBits = format.mantissaBits();
        shift = 23 - mantissaBits;
        maxCode = (1 << (MomentFormat.EXPONENT_BITS + mantissaBits)) - 1;
        maxBits = Float.floatToRawIntBits((float) format.maxValue());
        signBit = format.signed() ? 1 << (MomentFormat.EXPONENT_BITS + mantissaBits) : 0;
        subnormalScale = Math.scalb(1f, 59 + mantissaBits);
        subnormalStep = Math.scalb(1f, -(59 + mantissaBits));
    }

    /** Nearest-even code of x, saturating; x must not be NaN (nor negative for the unsigned format). */
    short encode(float x) {
        int bits = Float.floatToRawIntBits(x), a = bits & 0x7fffffff;
        int magnitude;
        if (a >= maxBits) magnitude = maxCode;
        else if (a >= MIN_NORMAL_BITS) {
            int t = a - REBIAS;
            magnitude = (t + (1 << (shift - 1)) - 1 + ((t >>> shift) & 1)) >>> shift;
        } else magnitude = (int) Math.rint(Math.abs(x) * subnormalScale);
        return (short) ((bits < 0 ? signBit : 0) | magnitude);
    }

    float decode(short code) {
        int c = code & 0xffff;
        int field = (c >>> mantissaBits) & 63, mantissa = c & ((1 << mantissaBits) - 1);
        float magnitude = field == 0 ? mantissa * subnormalStep : Float.intBitsToFloat(((field + 67) << 23) | (mantissa << shift));
        return signBit != 0 && (c & signBit) != 0 ? -magnitude : magnitude;
    }
}
