// LaneSum: the horizontal sum of a float vector, in one fixed pairwise order.
//
// Why not FloatVector.reduceLanes(ADD): its order is unspecified, and HotSpot does use two
// orders: the interpreted/C1 fallback adds lane by lane, the C2 intrinsic adds in a tree. The
// same kernel call then returned different bits before and after JIT compilation, so two runs
// of identical work in one JVM (e.g. sharded training with and without prefetch) disagreed in
// the last bit depending on when C2 finished. Here the order is written out with constant
// shuffles (fast once compiled: a permute and an add per level; lane(i) with a variable i is not
// intrinsified and cost ~50 ns a sum), and every tier adds the same pairs.
package dev.tessel.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/** Horizontal sums with one fixed order on every execution tier. */
public final class LaneSum {
    private static final VectorShuffle<Float> ROTATE_4_OF_8 = VectorShuffle.iota(FloatVector.SPECIES_256, 4, 1, true);
    private static final VectorShuffle<Float> ROTATE_2_OF_8 = VectorShuffle.iota(FloatVector.SPECIES_256, 2, 1, true);
    private static final VectorShuffle<Float> ROTATE_1_OF_8 = VectorShuffle.iota(FloatVector.SPECIES_256, 1, 1, true);
    private static final VectorShuffle<Float> ROTATE_8_OF_16 = VectorShuffle.iota(FloatVector.SPECIES_512, 8, 1, true);
    private static final VectorShuffle<Float> ROTATE_4_OF_16 = VectorShuffle.iota(FloatVector.SPECIES_512, 4, 1, true);
    private static final VectorShuffle<Float> ROTATE_2_OF_16 = VectorShuffle.iota(FloatVector.SPECIES_512, 2, 1, true);
    private static final VectorShuffle<Float> ROTATE_1_OF_16 = VectorShuffle.iota(FloatVector.SPECIES_512, 1, 1, true);

    private LaneSum() {}

    /**
     * The lanes summed as a balanced tree of halves: with 8 lanes,
     * ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)); with 16, the same one level up; any
     * other width left to right.
     */
    public static float of(FloatVector v) {
        if (v.length() == 8) {
            v = v.add(v.rearrange(ROTATE_4_OF_8));
            v = v.add(v.rearrange(ROTATE_2_OF_8));
            return v.add(v.rearrange(ROTATE_1_OF_8)).lane(0);
        }
        if (v.length() == 16) {
            v = v.add(v.rearrange(ROTATE_8_OF_16));
            v = v.add(v.rearrange(ROTATE_4_OF_16));
            v = v.add(v.rearrange(ROTATE_2_OF_16));
            return v.add(v.rearrange(ROTATE_1_OF_16)).lane(0);
        }
        float sum = 0;
        for (int i = 0; i < v.length(); i++) sum += v.lane(i);
        return sum;
    }
}
