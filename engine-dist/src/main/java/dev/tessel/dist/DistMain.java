// DistMain: the process entry point that mpirun starts on every rank (scripts/mpirun-dist.sh and
// the MPI tests use it; the CLI's `dist` verb offers the same jobs).
//
// Invariant: every job runs inside MpiCommunicator.runWorld, so an exception on any rank aborts
// the whole MPI job with that rank named, instead of leaving the other ranks blocked.
package dev.tessel.dist;

import java.util.Arrays;

/**
 * {@code DistMain selftest <devicesPerMachine>} | {@code fail <rank>} (aborts from that rank: the
 * failure path) | {@code train <devicesPerMachine> <steps> <powersgdRank>} | {@code all <devicesPerMachine>}
 * (selftest, then the training check with PowerSGD off and on, in one MPI start).
 */
public final class DistMain {
    private DistMain() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: DistMain selftest <devicesPerMachine> | fail <rank> | train <devicesPerMachine> <steps> <powersgdRank> | all <devicesPerMachine>");
            System.exit(2);
        }
        switch (args[0]) {
            case "selftest" -> MpiCommunicator.runWorld(world -> DistSelftest.run(world, Integer.parseInt(args[1]), System.out));
            case "fail" -> MpiCommunicator.runWorld(world -> {
                if (world.rank() == Integer.parseInt(args[1])) throw new IllegalStateException("rank " + world.rank() + " fails on purpose");
                world.barrier();
            });
            case "train" -> MpiCommunicator.runWorld(world -> ShardedTrainingCheck.run(world, Integer.parseInt(args[1]),
                    Integer.parseInt(args[2]), Integer.parseInt(args[3]), System.out));
            case "all" -> MpiCommunicator.runWorld(world -> {
                int devices = Integer.parseInt(args[1]);
                DistSelftest.run(world, devices, System.out);
                ShardedTrainingCheck.run(world, devices, 4, 0, System.out);
                ShardedTrainingCheck.run(world, devices, 5, 2, System.out);
            });
            default -> {
                System.err.println("DistMain: unknown job " + Arrays.toString(args));
                System.exit(2);
            }
        }
    }
}
