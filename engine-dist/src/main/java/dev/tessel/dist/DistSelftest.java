// DistSelftest: exercises every collective of a Communicator (and the topology splits) with
// values whose sums are known exactly, on F32, F64, F16 and the paper's 1-6-9 format.
//
// Invariant: every value used is a small multiple of a power of two (scaled by 1/p², p the
// power of two >= the group size, so sums stay below the 1-6-9 maximum of 15.98), so each sum is
// exact in every dtype tested and a mismatch is a bug, never round-off; sizes are odd and not multiples of the world
// size, so padding paths run.
package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.io.PrintStream;
import java.util.List;

/** Runs on every rank of a world; throws on the first wrong element, naming the collective. */
public final class DistSelftest {
    private static final List<DType> DTYPES = List.of(DType.F32, DType.F64, DType.F16, DType.MEAN_1_6_9);

    private DistSelftest() {}

    /** Checks every collective on {@code world} and on its topology; rank 0 prints the verdict. */
    public static void run(Communicator world, int devicesPerMachine, PrintStream out) {
        checkGroup(world, "world");
        try (Topology topo = Topology.of(world, devicesPerMachine)) {
            checkGroup(topo.intraMachine(), "intra-machine");
            checkGroup(topo.interMachine(), "inter-machine");
            expect(topo.intraMachine().rank() == topo.device() && topo.interMachine().rank() == topo.machine(),
                    "split order: " + topo + " has intra rank " + topo.intraMachine().rank() + ", inter rank " + topo.interMachine().rank());
        }
        world.barrier();
        if (world.rank() == 0) out.println("dist selftest: ok (world=" + world.size() + ")");
    }

    private static void checkGroup(Communicator c, String name) {
        int w = c.size(), r = c.rank();
        int p = Integer.highestOneBit(Math.max(1, w - 1)) * 2;
        double s = 1.0 / ((double) p * p);
        for (DType dtype : DTYPES) {
            String where = name + " " + dtype;
            int n = 2 * w + 3;
            // all-reduce: element i of rank r holds (i % 5) - r; the sum is w·(i%5) - w(w-1)/2
            try (Tensor t = fill(dtype, n, i -> ((i % 5) - r) * s)) {
                c.allReduce(t);
                for (int i = 0; i < n; i++) expectEqual(t.getDouble(i), (w * (i % 5) - w * (w - 1) / 2.0) * s, where + " allReduce", i);
            }
            // reduce-scatter: block k element j holds k + j·0.5 + r on rank r
            int block = 3;
            try (Tensor in = fill(dtype, w * block, i -> (i / block + (i % block) * 0.5 + r) * s);
                 Tensor outT = Tensor.zeros(dtype, block)) {
                c.reduceScatter(in, outT);
                for (int j = 0; j < block; j++) expectEqual(outT.getDouble(j), (w * (r + j * 0.5) + w * (w - 1) / 2.0) * s, where + " reduceScatter", j);
            }
            // all-gather: rank r contributes [r, r + 0.5, -r]
            try (Tensor in = fill(dtype, 3, i -> i == 0 ? r : i == 1 ? r + 0.5 : -r); Tensor all = Tensor.zeros(dtype, 3 * w)) {
                c.allGather(in, all);
                for (int k = 0; k < w; k++) {
                    expectEqual(all.getDouble(3 * k), k, where + " allGather", 3 * k);
                    expectEqual(all.getDouble(3 * k + 1), k + 0.5, where + " allGather", 3 * k + 1);
                    expectEqual(all.getDouble(3 * k + 2), -k, where + " allGather", 3 * k + 2);
                }
            }
            // broadcast from the last rank
            int root = w - 1;
            try (Tensor t = fill(dtype, 5, i -> r == root ? i + 1 : -7)) {
                c.broadcast(t, root);
                for (int i = 0; i < 5; i++) expectEqual(t.getDouble(i), i + 1, where + " broadcast", i);
            }
        }
        c.barrier();
    }

    private interface Value {
        double at(int i);
    }

    private static Tensor fill(DType dtype, int n, Value v) {
        Tensor t = Tensor.zeros(dtype, n);
        for (int i = 0; i < n; i++) t.setDouble(i, v.at(i));
        return t;
    }

    private static void expectEqual(double got, double want, String what, int index) {
        expect(got == want, what + ": element " + index + " is " + got + ", expected " + want);
    }

    private static void expect(boolean ok, String message) {
        if (!ok) throw new IllegalStateException("dist selftest failed: " + message);
    }
}
