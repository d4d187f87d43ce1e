package dev.tessel.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LaneSumTest {
    /**
     * Lanes chosen so that the order shows: left to right, 1e8 absorbs the three 1s after it and
     * the sum is 3 (a pairwise tree would pair 1e8 with -1e8 first and give 6). Run many times so
     * the call is also checked once C2 has compiled it (the interpreter and C2 must agree).
     */
    @Test
    void addsTheEightLanesOfA256BitVectorLeftToRightOnEveryTier() {
        float[] v = {1e8f, 1f, 1f, 1f, -1e8f, 1f, 1f, 1f};
        FloatVector vector = FloatVector.fromArray(FloatVector.SPECIES_256, v, 0);
        for (int i = 0; i < 200_000; i++) assertEquals(3f, LaneSum.of256(vector), 0f, "iteration " + i);
    }

    @Test
    void addsThePreferredWidthLeftToRightOnEveryTier() {
        int lanes = FloatLanes.SPECIES.length();
        float[] v = new float[lanes];
        for (int i = 0; i < lanes; i++) v[i] = (i % 3 == 0 ? 1e7f : 1f) * (i % 2 == 0 ? 1 : -1) + i * 0.1f;
        float want = 0;
        for (float x : v) want += x;
        FloatVector vector = FloatVector.fromArray(FloatLanes.SPECIES, v, 0);
        for (int i = 0; i < 200_000; i++) assertEquals(want, LaneSum.ofPreferred(vector), 0f, "iteration " + i);
    }
}
