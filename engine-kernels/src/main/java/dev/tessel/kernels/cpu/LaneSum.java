// LaneSum: the horizontal sum of a float vector, left to right, one fixed order.
//
// Why not FloatVector.reduceLanes(ADD): its order is unspecified, and HotSpot does use two
// orders: the interpreted/C1 fallback adds lane by lane, the C2 intrinsic adds in a tree. The
// same kernel call then returned different bits before and after JIT compilation, so two runs
// of identical work in one JVM (e.g. sharded training with and without prefetch) disagreed in
// the last bit depending on when C2 finished. Left to right is the same on every tier.
//
// Invariant: one method per vector shape, each called with one concrete vector class only (of256
// by the 256-bit kernels, ofPreferred by FloatLanes and DirectConv, both of SPECIES_PREFERRED). One shared method fed both Float256Vector
// and Float512Vector: its type profile went megamorphic, the vectors were boxed, and the demo's
// transformer trained 2.5x slower.
package dev.tessel.kernels.cpu;

import jdk.incubator.vector.FloatVector;

/** Horizontal sums with one fixed order on every execution tier. */
public final class LaneSum {
    private static final int PREFERRED_LANES = FloatLanes.SPECIES.length();

    private LaneSum() {}

    // The two loops are written out twice on purpose: a shared helper would share one type
    // profile for v.lane(i) again (see the invariant above).

    /** v[0] + v[1] + ... + v[7] for a 256-bit vector (FloatVector.SPECIES_256). */
    public static float of256(FloatVector v) {
        float sum = 0;
        for (int i = 0; i < 8; i++) sum += v.lane(i);
        return sum;
    }

    /** v[0] + v[1] + ... for a vector of FloatVector.SPECIES_PREFERRED (FloatLanes' width). */
    public static float ofPreferred(FloatVector v) {
        float sum = 0;
        for (int i = 0; i < PREFERRED_LANES; i++) sum += v.lane(i);
        return sum;
    }
}
