package dev.tessel.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LaneSumTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    /**
     * Lanes chosen so that the order shows: left to right, 1e8 absorbs the 1 after it and the sum
     * is 3.5; a pairwise tree, (1e8 + 1) + (-1e8 + 1) + ..., loses both 1s and gives 2.5.
     * Run many times so the call is also checked once C2 has compiled it.
     */
    @Test
    void addsLanesLeftToRightOnEveryTier() {
        float[] lanes = {1e8f, 1f, -1e8f, 1f, 1f, 0.5f, 1e-8f, 1f};
        float want = 0;
        for (float x : lanes) want += x;
        FloatVector v = FloatVector.fromArray(S, lanes, 0);
        for (int i = 0; i < 200_000; i++) assertEquals(want, LaneSum.of(v), 0f, "iteration " + i);
    }
}
