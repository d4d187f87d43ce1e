package dev.tessel.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Philox4x32-10: Random123's known-answer vectors, the documented stream layout, exactness and
 * range of the uniform mapping, moments of uniforms and normals, and offset windows.
 *
 * <p>Statistical bounds: every moment test allows 6 standard errors of its estimator. The seeds
 * are fixed, so the tests are deterministic; 6 sigma says a correct generator would fail with
 * probability about 2e-9 for an arbitrary seed, while a broken one (a stuck bit, a wrong
 * scale, a repeated block) misses by hundreds of sigma.
 */
class PhiloxTest {
    private static final int N = 1_000_000;

    @Test
    void matchesRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                Philox.block(new int[] {0, 0, 0, 0}, new int[] {0, 0}));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.block(new int[] {-1, -1, -1, -1}, new int[] {-1, -1}));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, new int[] {0xa4093822, 0x299f31d0}));
    }

    @Test
    void streamLayoutIsTheDocumentedOne() {
        long seed = 0x0123456789ABCDEFL;
        long offset = 0xFFFFFFFFL; // the counter for i >= 4 carries into word 1
        for (long i = 0; i < 12; i++) {
            long c = offset + i / 4;
            int[] block = Philox.block(new int[] {(int) c, (int) (c >>> 32), 0, 0}, new int[] {0x89ABCDEF, 0x01234567});
            assertEquals(block[(int) (i % 4)], Philox.bits(seed, offset, i), "element " + i);
        }
        assertEquals(3, Philox.blocks(9));
        assertEquals(0, Philox.blocks(0));
        assertThrows(IllegalArgumentException.class, () -> Philox.bits(seed, 0, -1));
    }

    @Test
    void uniformMappingIsExactAndStrictlyInsideTheUnitInterval() {
        assertEquals(0x1.0p-24f, Philox.toUniform(0));
        assertEquals(1.0f - 0x1.0p-24f, Philox.toUniform(-1));
        assertTrue(Philox.toUniform(-1) < 1.0f);
        // Every one of the 2^23 cells maps to its exact centre (2b + 1) * 2^-24.
        for (int b = 0; b < 1 << 23; b++) {
            float u = Philox.toUniform(b << 9);
            if ((double) u != (2.0 * b + 1) * 0x1.0p-24) throw new AssertionError("cell " + b + " maps to " + u);
        }
    }

    @Test
    void uniformMomentsRangeAndHistogram() {
        Tensor t = Tensor.zeros(DType.F32, N);
        Philox.fillUniform(t, 20260101L, 0);
        float[] u = t.toFloatArray();
        double sum = 0, sumSq = 0;
        int bins = 64;
        long[] hist = new long[bins];
        float min = 1, max = 0;
        for (float x : u) {
            assertTrue(x > 0f && x < 1f, "uniform out of (0,1): " + x);
            sum += x;
            sumSq += (x - 0.5) * (x - 0.5);
            hist[(int) (x * bins)]++;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        double mean = sum / N, var = sumSq / N;
        // mean: Var[U] = 1/12, standard error sqrt(1/(12 N)) = 2.9e-4.
        assertEquals(0.5, mean, 6 * Math.sqrt(1.0 / 12 / N));
        // variance: Var[(U-1/2)^2] = 1/80 - 1/144 = 1/180, standard error sqrt(1/(180 N)) = 7.5e-5.
        assertEquals(1.0 / 12, var, 6 * Math.sqrt(1.0 / 180 / N));
        // chi-square over 64 equal bins has 63 degrees of freedom: mean 63, sd sqrt(126) = 11.2.
        double expected = (double) N / bins, chi2 = 0;
        for (long h : hist) chi2 += (h - expected) * (h - expected) / expected;
        assertTrue(chi2 < 63 + 6 * Math.sqrt(2 * 63), "chi-square " + chi2);
        // Extremes: P(min > 1e-5) = (1 - 1e-5)^N = e^-10, likewise for max.
        assertTrue(min < 1e-5 && max > 1 - 1e-5, "min " + min + " max " + max);
    }

    @Test
    void normalMomentsAndBoxMullerPairing() {
        Tensor t = Tensor.zeros(DType.F64, N);
        double mean = 3.0, std = 2.0;
        Philox.fillNormal(t, 99L, 17, mean, std);
        double sum = 0, sumSq = 0, sumFourth = 0;
        for (int i = 0; i < N; i++) {
            double z = (t.getDouble(i) - mean) / std;
            sum += z;
            sumSq += z * z;
            sumFourth += z * z * z * z;
        }
        double m = sum / N, var = sumSq / N - m * m;
        // mean of N standard normals: standard error 1/sqrt(N) = 1e-3.
        assertEquals(0.0, m, 6 / Math.sqrt(N));
        // sample variance: Var[Z^2] = 2, standard error sqrt(2/N) = 1.4e-3.
        assertEquals(1.0, var, 6 * Math.sqrt(2.0 / N));
        // fourth moment 3 (a Gaussian's kurtosis): Var[Z^4] = 105 - 9 = 96, standard error ~1e-2.
        assertEquals(3.0, sumFourth / N, 6 * Math.sqrt(96.0 / N));
        // Elements 2j, 2j+1 are r cos, r sin of one pair: their squares sum to -2 ln u1.
        for (long j = 0; j < 100; j++) {
            double a = Philox.normal(99L, 17, 2 * j), b = Philox.normal(99L, 17, 2 * j + 1);
            double u1 = Philox.uniform(99L, 17, 2 * j);
            assertEquals(-2 * Math.log(u1), a * a + b * b, 1e-12 * (1 + a * a + b * b));
            assertEquals(mean + std * a, t.getDouble(2 * j), 1e-12);
        }
    }

    @Test
    void offsetWindowsAreSlicesOfOneStream() {
        long seed = -7L;
        Tensor whole = Tensor.zeros(DType.F32, 1001);
        Philox.fillUniform(whole, seed, 5);
        Tensor window = Tensor.zeros(DType.F32, 601);
        Philox.fillUniform(window, seed, 5 + 100); // 100 blocks = 400 elements further on
        for (int j = 0; j < window.numel(); j++) assertEquals(whole.getDouble(400 + j), window.getDouble(j), "element " + j);
        for (int k = 0; k < whole.numel(); k++) assertEquals(Philox.uniform(seed, 5, k), (float) whole.getDouble(k));

        Tensor normals = Tensor.zeros(DType.F64, 203);
        Philox.fillNormal(normals, seed, 25, 0, 1);
        for (int j = 0; j < normals.numel(); j++) assertEquals(Philox.normal(seed, 0, 100 + j), normals.getDouble(j), "normal " + j);

        Tensor again = Tensor.zeros(DType.F32, 1001);
        Philox.fillUniform(again, seed, 5);
        assertArrayEquals(whole.toFloatArray(), again.toFloatArray(), "same (seed, offset), same numbers");
    }

    @Test
    void adjacentWindowsAndNearbySeedsAreUncorrelated() {
        int n = 100_000;
        double[] a = draw(1L, 0, n), nextWindow = draw(1L, Philox.blocks(n), n), highSeed = draw(1L | (1L << 32), 0, n);
        // Pearson r of independent samples has standard error 1/sqrt(n) = 3.2e-3.
        assertEquals(0.0, correlation(a, nextWindow), 6 / Math.sqrt(n));
        assertEquals(0.0, correlation(a, highSeed), 6 / Math.sqrt(n), "the high seed word must change the key");
        assertNotEquals(Philox.bits(1L, 0, 0), Philox.bits(1L | (1L << 32), 0, 0));
    }

    private static double[] draw(long seed, long offset, int n) {
        Tensor t = Tensor.zeros(DType.F64, n);
        Philox.fillUniform(t, seed, offset);
        return t.toDoubleArray();
    }

    private static double correlation(double[] x, double[] y) {
        double mx = 0, my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= x.length;
        my /= y.length;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    @Test
    void fillsAnyFloatDtypeAndStridesInLogicalOrder() {
        long seed = 42, offset = 3;
        for (DType d : new DType[] {DType.F64, DType.F32, DType.F16, DType.BF16, DType.MEAN_1_6_9, DType.VAR_0_6_10}) {
            // (5, 7) storage seen as its (7, 5) transpose: a strided destination.
            Tensor view = Tensor.zeros(d, 5, 7).transpose(0, 1);
            Philox.fillUniform(view, seed, offset);
            for (int k = 0; k < view.numel(); k++) {
                assertEquals(d.decode(d.encode(Philox.uniform(seed, offset, k))), view.getDouble(k), d + " element " + k);
            }
            Tensor normal = Tensor.zeros(d, 5, 7).transpose(0, 1);
            Philox.fillNormal(normal, seed, offset, 4.0, 0.5); // mean 4, sd 0.5: positive, in range of the moment formats
            for (int k = 0; k < normal.numel(); k++) {
                assertEquals(d.decode(d.encode(4.0 + 0.5 * Philox.normal(seed, offset, k))), normal.getDouble(k), d + " normal " + k);
            }
        }
    }

    @Test
    void rejectsIntegerDestinationsAndBadParameters() {
        Tensor ints = Tensor.zeros(DType.I32, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Philox.fillUniform(ints, 1, 0));
        assertTrue(e.getMessage().contains("fillUniform") && e.getMessage().contains("I32[4]"), e.getMessage());
        Tensor f = Tensor.zeros(DType.F32, 4);
        assertThrows(IllegalArgumentException.class, () -> Philox.fillNormal(f, 1, 0, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> Philox.fillNormal(f, 1, 0, Double.NaN, 1));
    }
}
