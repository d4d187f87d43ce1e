// Topology: the world seen as machines x devices per machine, and the two groups each rank
// talks in: its machine (parameter sharding) and the same-ordinal device of every machine
// (PowerSGD / all-reduce across machines).
//
// Invariant: world rank = machine · devicesPerMachine + device, as mpirun places consecutive
// ranks on one host by default; both groups keep that order (intra rank = device, inter rank =
// machine).
package dev.tessel.dist;

/** A rank's place in the machine x device grid, with its two sub-communicators. */
public final class Topology implements AutoCloseable {
    private final Communicator world;
    private final int machines, devicesPerMachine, machine, device;
    private final Communicator intraMachine, interMachine;

    private Topology(Communicator world, int devicesPerMachine) {
        this.world = world;
        this.devicesPerMachine = devicesPerMachine;
        this.machines = world.size() / devicesPerMachine;
        this.machine = world.rank() / devicesPerMachine;
        this.device = world.rank() % devicesPerMachine;
        this.intraMachine = world.split(machine, device);
        this.interMachine = world.split(device, machine);
    }

    /** Collective over {@code world}: splits it into machine groups and same-ordinal groups. */
    public static Topology of(Communicator world, int devicesPerMachine) {
        if (devicesPerMachine < 1 || world.size() % devicesPerMachine != 0) {
            throw new IllegalArgumentException("Topology: a world of " + world.size() + " ranks cannot be split into machines of "
                    + devicesPerMachine + " devices; the world size must be a multiple of --devices-per-machine");
        }
        return new Topology(world, devicesPerMachine);
    }

    public Communicator world() { return world; }

    /** The ranks of this rank's machine, ordered by device. */
    public Communicator intraMachine() { return intraMachine; }

    /** The rank of the same device ordinal on every machine, ordered by machine. */
    public Communicator interMachine() { return interMachine; }

    public int machines() { return machines; }

    public int devicesPerMachine() { return devicesPerMachine; }

    public int machine() { return machine; }

    public int device() { return device; }

    @Override
    public void close() {
        intraMachine.close();
        interMachine.close();
    }

    @Override
    public String toString() {
        return "Topology(rank " + world.rank() + " = machine " + machine + " of " + machines + ", device " + device + " of " + devicesPerMachine + ")";
    }
}
