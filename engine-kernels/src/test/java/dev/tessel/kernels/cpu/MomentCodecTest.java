package dev.tessel.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessel.tensor.MomentFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Cpu (and, by the same algorithm, device) bit-manipulation moment codec against
 * MomentFormat, the definition: every code decodes identically, and floats spread over every
 * exponent (plus ties, boundaries, subnormals and values past the maximum) encode identically.
 */
class MomentCodecTest {
    @Test
    void decodesEveryCodeLikeMomentFormat() {
        for (MomentFormat f : MomentFormat.values()) {
            MomentCodec codec = new MomentCodec(f);
            for (int c = 0; c < 1 << 16; c++) {
                assertEquals(Float.floatToRawIntBits(f.decode((short) c)), Float.floatToRawIntBits(codec.decode((short) c)), f + " code " + c);
            }
        }
    }

    @Test
    void encodesLikeMomentFormat() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (MomentFormat f : MomentFormat.values()) {
            MomentCodec codec = new MomentCodec(f);
            for (int c = 0; c < 1 << 16; c++) {
                float x = f.decode((short) c);
                // Each code's value, and the midpoints and near-midpoints to its neighbour (ties both ways).
                float next = f.decode((short) Math.min(c + 1, 0xffff));
                float mid = (float) (((double) x + next) / 2);
                for (float y : new float[] {x, mid, Math.nextUp(mid), Math.nextDown(mid)}) check(f, codec, y);
            }
            for (int i = 0; i < 200_000; i++) {
                // Random bits over the exponents the formats cover and beyond (2^-80 .. 2^10).
                float y = Math.scalb(1f + rnd.nextFloat(), rnd.nextInt(-80, 10));
                check(f, codec, f.signed() && rnd.nextBoolean() ? -y : y);
            }
            check(f, codec, 0f);
            check(f, codec, Float.MAX_VALUE);
            check(f, codec, Float.POSITIVE_INFINITY);
            check(f, codec, Float.MIN_VALUE);
        }
    }

    private static void check(MomentFormat f, MomentCodec codec, float x) {
        if (Float.isNaN(x) || (!f.signed() && x < 0)) return;
        assertEquals(f.encode(x), codec.encode(x), f + " encode " + x);
    }
}
