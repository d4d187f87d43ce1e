package dev.tessel.tensor;

/**
 * Philox4x32-10, the counter-based random number generator of Salmon et al., "Parallel Random
 * Numbers: As Easy as 1, 2, 3" (SC 2011; the Random123 library), and the one stream every tessel
 * backend (CPU, OpenCL, CUDA) draws from, so that all of them produce the same numbers.
 *
 * <p><b>The stream</b> (GPU kernels must reproduce it exactly). For a (seed, offset) pair,
 * element {@code i >= 0} is
 * <pre>
 *   key     = (k0, k1) = (low 32 bits of seed, high 32 bits of seed)
 *   c       = offset + i / 4                      (64-bit, wrapping)
 *   counter = (c0, c1, c2, c3) = (low 32 bits of c, high 32 bits of c, 0, 0)
 *   bits(i) = word (i % 4) of philox4x32_10(counter, key)
 *   uniform = ((bits >>> 9) + 0.5f) * 2^-23       (float; exact; in [2^-24, 1 - 2^-24])
 * </pre>
 * The uniform keeps the top 23 bits, not 24: (b + 0.5) * 2^-24 with a 24-bit b needs 25
 * significant bits, so in float arithmetic the largest b rounds to exactly 1.0 (and a log(1 - u)
 * or Gumbel draw would then be infinite). With 23 bits every step is exact on every device, so
 * the value is bit-identical everywhere and strictly inside (0, 1).
 * So {@code offset} counts 128-bit blocks of four outputs: a draw of n elements consumes
 * {@link #blocks(long) blocks(n)} = ceil(n / 4) counters, and the next independent draw with the
 * same seed starts at {@code offset + blocks(n)}.
 *
 * <p><b>Normals</b> use the Box-Muller transform on consecutive pairs: elements 2j and 2j+1 take
 * u1 = uniform(2j), u2 = uniform(2j+1), r = sqrt(-2 ln u1), and are r cos(2 pi u2) and
 * r sin(2 pi u2). u1 > 0 always, so r is finite. This is evaluated in double and rounded once
 * to the output dtype; a float32 GPU kernel matches to float rounding (a few ulp), not bitwise,
 * while uniforms match bitwise.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final int ROUNDS = 10;
    private static final float TWO_POW_MINUS_23 = 0x1.0p-23f;

    private Philox() {}

    /**
     * The Philox4x32-10 block function: 10 rounds on {@code counter} (4 words) under {@code key}
     * (2 words), the key bumped by the Weyl constants between rounds. Returns 4 fresh words.
     */
    public static int[] block(int[] counter, int[] key) {
        if (counter.length != 4 || key.length != 2) {
            throw new IllegalArgumentException("Philox block: counter needs 4 words and key 2, got " + counter.length + " and " + key.length);
        }
        int[] out = new int[4];
        block(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out);
        return out;
    }

    private static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int r = 0; r < ROUNDS; r++) {
            if (r > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** Counters a draw of {@code n} elements consumes: ceil(n / 4). */
    public static long blocks(long n) {
        if (n < 0) throw new IllegalArgumentException("Philox: negative element count " + n);
        return (n + 3) >>> 2;
    }

    /** Raw 32 random bits of element {@code i} of the (seed, offset) stream. */
    public static int bits(long seed, long offset, long i) {
        if (i < 0) throw new IllegalArgumentException("Philox: negative element index " + i);
        int[] out = new int[4];
        long c = offset + (i >>> 2);
        block((int) c, (int) (c >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), out);
        return out[(int) (i & 3)];
    }

    /** The float in (0, 1) that 32 random bits stand for (the top 23 bits, centred in their cell). */
    public static float toUniform(int bits) {
        return ((bits >>> 9) + 0.5f) * TWO_POW_MINUS_23;
    }

    /** Uniform float in (0, 1), element {@code i} of the (seed, offset) stream. */
    public static float uniform(long seed, long offset, long i) {
        return toUniform(bits(seed, offset, i));
    }

    /** Standard normal, element {@code i} of the (seed, offset) stream (see the class comment). */
    public static double normal(long seed, long offset, long i) {
        long pair = i & ~1L;
        return boxMuller(uniform(seed, offset, pair), uniform(seed, offset, pair + 1), (i & 1) == 0);
    }

    private static double boxMuller(float u1, float u2, boolean cosine) {
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double angle = 2.0 * Math.PI * u2;
        return r * (cosine ? Math.cos(angle) : Math.sin(angle));
    }

    /**
     * Fills {@code out} (any floating dtype, any strides) with uniforms in logical row-major
     * order: flat element k gets {@code uniform(seed, offset, k)}, rounded to the dtype (which,
     * for a 16-bit dtype, can round a draw to 0 or 1).
     */
    public static void fillUniform(Tensor out, long seed, long offset) {
        requireFloating("fillUniform", out);
        long n = out.numel();
        int[] words = new int[4];
        boolean fastF32 = out.dtype() == DType.F32 && out.isContiguous();
        for (long base = 0; base < n; base += 4) {
            long c = offset + (base >>> 2);
            block((int) c, (int) (c >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), words);
            int count = (int) Math.min(4, n - base);
            for (int w = 0; w < count; w++) {
                float u = toUniform(words[w]);
                if (fastF32) out.setBitsAt(out.offset() + base + w, Float.floatToRawIntBits(u) & 0xFFFFFFFFL);
                else out.setDouble(base + w, u);
            }
        }
    }

    /**
     * Fills {@code out} (any floating dtype) with {@code mean + std * normal(seed, offset, k)}
     * at logical flat position k.
     */
    public static void fillNormal(Tensor out, long seed, long offset, double mean, double std) {
        requireFloating("fillNormal", out);
        if (!Double.isFinite(mean) || !Double.isFinite(std) || std < 0) {
            throw new IllegalArgumentException("fillNormal: mean " + mean + " and std " + std + " must be finite, std >= 0");
        }
        long n = out.numel();
        int[] words = new int[4];
        for (long base = 0; base < n; base += 4) {
            long c = offset + (base >>> 2);
            block((int) c, (int) (c >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), words);
            int count = (int) Math.min(4, n - base);
            // A block holds two whole Box-Muller pairs: (words 0, 1) and (words 2, 3).
            for (int w = 0; w < count; w += 2) {
                double r = Math.sqrt(-2.0 * Math.log(toUniform(words[w])));
                double angle = 2.0 * Math.PI * toUniform(words[w + 1]);
                out.setDouble(base + w, mean + std * (r * Math.cos(angle)));
                if (w + 1 < count) out.setDouble(base + w + 1, mean + std * (r * Math.sin(angle)));
            }
        }
    }

    private static void requireFloating(String op, Tensor out) {
        if (!out.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": needs a floating dtype, got " + out.dtype() + out.shape());
        }
    }
}
