package dev.tessel.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * VectorMath against the JDK's double functions (within 2 float ulps, plus the edge cases of its
 * invariant) and against itself across JIT tiers: the lanes computed on the first, interpreted
 * call must be the bits computed after C2 has compiled the loop (lanewise(EXP) failed this for ~1%
 * of inputs).
 */
class VectorMathTest {
    private static final VectorSpecies<Float> P = FloatVector.SPECIES_PREFERRED, S256 = FloatVector.SPECIES_256;

    private static float[] apply(VectorSpecies<Float> species, UnaryOperator<FloatVector> f, float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += species.length()) f.apply(FloatVector.fromArray(species, x, i)).intoArray(y, i);
        return y;
    }

    private static float[] inputs(long seed, double lo, double hi, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return x;
    }

    private static void assertWithinUlps(float[] x, float[] got, DoubleUnaryOperator exact, int ulps, String what) {
        for (int i = 0; i < x.length; i++) {
            double want = exact.applyAsDouble(x[i]);
            float w = (float) want;
            if (Float.isNaN(w) || Float.isInfinite(w) || w == 0) {
                assertEquals(Float.floatToIntBits(w), Float.floatToIntBits(got[i]), what + "(" + x[i] + ")");
                continue;
            }
            // an ulp of the result, at least the subnormal step (results near the underflow limit)
            double ulp = Math.max(Math.ulp(w), Float.MIN_VALUE);
            assertTrue(Math.abs(got[i] - want) <= ulps * ulp, what + "(" + x[i] + ") = " + got[i] + ", want " + want);
        }
    }

    @Test
    void expLogTanhAreWithinTwoUlps() {
        float[] wide = inputs(1, -110, 90, 1 << 14), near = inputs(2, -2, 2, 1 << 14);
        for (float[] x : new float[][] {wide, near}) {
            assertWithinUlps(x, apply(P, VectorMath::exp, x), Math::exp, 2, "exp");
            assertWithinUlps(x, apply(S256, VectorMath::exp256, x), Math::exp, 2, "exp256");
            assertWithinUlps(x, apply(P, VectorMath::tanh, x), Math::tanh, 2, "tanh");
        }
        float[] positive = inputs(3, 0, 1, 1 << 14), large = inputs(4, 1, 1e30, 1 << 12);
        for (float[] x : new float[][] {positive, large, inputs(5, 0.5, 2, 1 << 12)}) assertWithinUlps(x, apply(P, VectorMath::log, x), Math::log, 2, "log");
        float[] subnormal = new float[P.length() * 4];
        for (int i = 0; i < subnormal.length; i++) subnormal[i] = Float.MIN_VALUE * (1 + 997 * i);
        assertWithinUlps(subnormal, apply(P, VectorMath::log, subnormal), Math::log, 2, "log of subnormals");
    }

    @Test
    void edgeCasesFollowTheJdk() {
        float[] special = new float[P.length() * 2];
        float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 88.7f, 89f, -87.3f, -100f, -104f, 1f, -1f, 20f, -20f, 1e-30f, -3f};
        for (int i = 0; i < special.length; i++) special[i] = values[i % values.length];
        assertWithinUlps(special, apply(P, VectorMath::exp, special), Math::exp, 2, "exp");
        assertWithinUlps(special, apply(P, VectorMath::tanh, special), Math::tanh, 2, "tanh");
        assertWithinUlps(special, apply(P, VectorMath::log, special), Math::log, 2, "log");   // 0 -> -inf, < 0 -> NaN
    }

    @Test
    void firstCallAndCompiledCallsGiveTheSameBits() {
        float[] x = inputs(6, -20, 20, 1 << 12), u = inputs(7, 1e-6, 1, 1 << 12);
        float[] exp0 = apply(P, VectorMath::exp, x), exp2560 = apply(S256, VectorMath::exp256, x);
        float[] log0 = apply(P, VectorMath::log, u), tanh0 = apply(P, VectorMath::tanh, x);
        for (int rep = 0; rep < 3000; rep++) {   // enough calls for C2 to compile the loops
            apply(P, VectorMath::exp, x);
            apply(S256, VectorMath::exp256, x);
            apply(P, VectorMath::log, u);
            apply(P, VectorMath::tanh, x);
        }
        assertBits(exp0, apply(P, VectorMath::exp, x), "exp");
        assertBits(exp2560, apply(S256, VectorMath::exp256, x), "exp256");
        assertBits(log0, apply(P, VectorMath::log, u), "log");
        assertBits(tanh0, apply(P, VectorMath::tanh, x), "tanh");
    }

    private static void assertBits(float[] first, float[] compiled, String what) {
        for (int i = 0; i < first.length; i++) {
            assertEquals(Float.floatToRawIntBits(first[i]), Float.floatToRawIntBits(compiled[i]), what + " lane " + i + ": first call vs compiled");
        }
    }
}
