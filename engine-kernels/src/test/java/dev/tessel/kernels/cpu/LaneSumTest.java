package dev.tessel.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LaneSumTest {
    /**
     * Lanes chosen so that the order shows: left to right, 1e8 absorbs the three 1s after it and
     * the sum is 3; LaneSum's tree pairs 1e8 with -1e8 first and gives 6. Run many times so the
     * call is also checked once C2 has compiled it (the interpreter and C2 must add the same pairs).
     */
    @Test
    void addsLanesInTheDocumentedTreeOnEveryTier() {
        float[] v = {1e8f, 1f, 1f, 1f, -1e8f, 1f, 1f, 1f};
        float want = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
        FloatVector vector = FloatVector.fromArray(FloatVector.SPECIES_256, v, 0);
        assertEquals(6f, want, "the tree order of this case");
        for (int i = 0; i < 200_000; i++) assertEquals(want, LaneSum.of(vector), 0f, "iteration " + i);
    }

    @Test
    void sixteenLanesAddTheEightLaneTreesOfBothHalvesPairwise() {
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) v[i] = (i % 3 == 0 ? 1e7f : 1f) * (i % 2 == 0 ? 1 : -1) + i * 0.1f;
        float[] h = new float[8];
        for (int i = 0; i < 8; i++) h[i] = v[i] + v[i + 8];
        float want = ((h[0] + h[4]) + (h[2] + h[6])) + ((h[1] + h[5]) + (h[3] + h[7]));
        FloatVector vector = FloatVector.fromArray(FloatVector.SPECIES_512, v, 0);
        for (int i = 0; i < 200_000; i++) assertEquals(want, LaneSum.of(vector), 0f, "iteration " + i);
    }
}
