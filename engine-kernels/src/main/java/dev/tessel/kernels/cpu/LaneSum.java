// LaneSum: the horizontal sum of a float vector, in lane order.
//
// Why not FloatVector.reduceLanes(ADD): its order is unspecified, and HotSpot does use two
// orders: the interpreted/C1 fallback adds lane by lane, the C2 intrinsic adds in a tree. The
// same kernel call then returned different bits before and after JIT compilation, so two runs
// of identical work in one JVM (e.g. sharded training with and without prefetch) disagreed in
// the last bit depending on when C2 finished. A fixed order makes every kernel's result a
// function of its inputs only.
package dev.tessel.kernels.cpu;

import jdk.incubator.vector.FloatVector;

/** Horizontal sums with one fixed order on every execution tier. */
public final class LaneSum {
    private LaneSum() {}

    /** v[0] + v[1] + ... + v[length-1], added left to right. */
    public static float of(FloatVector v) {
        float sum = 0;
        for (int i = 0; i < v.length(); i++) sum += v.lane(i);
        return sum;
    }
}
