// MpiCommunicator: a Communicator over Open MPI's libmpi, for processes started by mpirun.
//
// Invariants: MPI is initialised once per process by runWorld (MPI_THREAD_MULTIPLE requested so
// a communication thread may call it; with less, every call is serialised by one lock) and
// finalised when the body returns. A body that throws anything calls MPI_Abort, so mpirun stops
// every rank instead of leaving the others blocked in a collective (a JVM whose main thread died
// while another thread lives would never exit). Counts are ints in MPI: larger buffers are split.
// A downcall takes only native memory: heap-backed buffers (small tensors) are staged per call.
package dev.tessel.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReentrantLock;

/** One rank's handle on an MPI communicator. */
public final class MpiCommunicator implements Communicator {
    private static final long MAX_CHUNK = 1L << 30;
    private static ReentrantLock callLock;

    private final MpiLibrary mpi;
    private final MemorySegment comm;
    private final boolean owned;
    private final int rank, size;

    private MpiCommunicator(MpiLibrary mpi, MemorySegment comm, boolean owned) {
        this.mpi = mpi;
        this.comm = comm;
        this.owned = owned;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            call("MPI_Comm_rank", () -> (int) mpi.commRank.invokeExact(comm, out));
            this.rank = out.get(ValueLayout.JAVA_INT, 0);
            call("MPI_Comm_size", () -> (int) mpi.commSize.invokeExact(comm, out));
            this.size = out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /**
     * The process's entry point under mpirun: initialises MPI, runs {@code body} with
     * MPI_COMM_WORLD, finalises. On any Throwable it prints "rank R failed: ..." with the stack
     * trace and calls MPI_Abort (it does not return then).
     */
    public static void runWorld(LocalCommunicator.RankBody body) {
        MpiLibrary mpi = MpiLibrary.get();
        MpiCommunicator world = init(mpi);
        try {
            body.run(world);
            world.barrier();
        } catch (Throwable t) {
            System.err.println("tessel: rank " + world.rank + " of " + world.size + " failed: " + t);
            t.printStackTrace(System.err);
            System.err.flush();
            try {
                int rc = (int) mpi.abort.invokeExact(mpi.commWorld, 1);
                throw new IllegalStateException("MPI_Abort returned " + rc, t);
            } catch (Throwable abortFailed) {
                Runtime.getRuntime().halt(1);
            }
        }
        call("MPI_Finalize", () -> (int) mpi.finalizeMpi.invokeExact());
    }

    private static synchronized MpiCommunicator init(MpiLibrary mpi) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment provided = arena.allocate(ValueLayout.JAVA_INT);
            staticCall(mpi, "MPI_Initialized", () -> (int) mpi.initialized.invokeExact(flag));
            if (flag.get(ValueLayout.JAVA_INT, 0) != 0) {
                throw new IllegalStateException("MPI is already initialised in this process; call MpiCommunicator.runWorld once");
            }
            staticCall(mpi, "MPI_Init_thread", () -> (int) mpi.initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                    MpiLibrary.THREAD_MULTIPLE, provided));
            int level = provided.get(ValueLayout.JAVA_INT, 0);
            if (level < MpiLibrary.THREAD_SERIALIZED) {
                throw new IllegalStateException("Open MPI provides thread level " + level + "; tessel needs at least MPI_THREAD_SERIALIZED");
            }
            if (level < MpiLibrary.THREAD_MULTIPLE) callLock = new ReentrantLock();
            staticCall(mpi, "MPI_Comm_set_errhandler", () -> (int) mpi.setErrhandler.invokeExact(mpi.commWorld, mpi.errorsReturn));
        }
        return new MpiCommunicator(mpi, mpi.commWorld, false);
    }

    @FunctionalInterface
    private interface MpiCall {
        int invoke() throws Throwable;
    }

    private static void call(String name, MpiCall c) { staticCall(MpiLibrary.get(), name, c); }

    private static void staticCall(MpiLibrary mpi, String name, MpiCall c) {
        ReentrantLock lock = callLock;
        if (lock != null) lock.lock();
        int rc;
        try {
            rc = c.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + ": " + t, t);
        } finally {
            if (lock != null) lock.unlock();
        }
        mpi.check(rc, name);
    }

    private static int intCount(long n, String what) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + ": " + n + " elements exceed one MPI call's int count; split the tensor");
        }
        return (int) n;
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    @Override
    public void allReduceFloatSum(MemorySegment buffer, long count) {
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment nativeBuffer = copyIn(staging, buffer);
            for (long start = 0; start < count; start += MAX_CHUNK) {
                int n = (int) Math.min(MAX_CHUNK, count - start);
                MemorySegment part = nativeBuffer.asSlice(start * 4, n * 4L);
                call("MPI_Allreduce", () -> (int) mpi.allreduce.invokeExact(MpiLibrary.IN_PLACE, part, n, mpi.floatType, mpi.opSum, comm));
            }
            copyOut(nativeBuffer, buffer);
        }
    }

    @Override
    public void reduceScatterFloatSum(MemorySegment send, MemorySegment recv, long count) {
        int n = intCount(count, "MPI_Reduce_scatter_block");
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment sendNative = copyIn(staging, send);
            MemorySegment recvNative = outputFor(staging, recv);
            call("MPI_Reduce_scatter_block", () -> (int) mpi.reduceScatterBlock.invokeExact(sendNative, recvNative, n, mpi.floatType, mpi.opSum, comm));
            copyOut(recvNative, recv);
        }
    }

    @Override
    public void allGatherBytes(MemorySegment send, MemorySegment recv, long bytes) {
        int n = intCount(bytes, "MPI_Allgather");
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment sendNative = copyIn(staging, send);
            MemorySegment recvNative = outputFor(staging, recv);
            call("MPI_Allgather", () -> (int) mpi.allgather.invokeExact(sendNative, n, mpi.byteType, recvNative, n, mpi.byteType, comm));
            copyOut(recvNative, recv);
        }
    }

    @Override
    public void allToAllBytes(MemorySegment send, MemorySegment recv, long bytes) {
        int n = intCount(bytes, "MPI_Alltoall");
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment sendNative = copyIn(staging, send);
            MemorySegment recvNative = outputFor(staging, recv);
            call("MPI_Alltoall", () -> (int) mpi.alltoall.invokeExact(sendNative, n, mpi.byteType, recvNative, n, mpi.byteType, comm));
            copyOut(recvNative, recv);
        }
    }

    @Override
    public void broadcastBytes(MemorySegment buffer, long bytes, int root) {
        int n = intCount(bytes, "MPI_Bcast");
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment nativeBuffer = copyIn(staging, buffer);
            call("MPI_Bcast", () -> (int) mpi.bcast.invokeExact(nativeBuffer, n, mpi.byteType, root, comm));
            copyOut(nativeBuffer, buffer);
        }
    }

    // Small tensors live on the Java heap (Storage), and a downcall cannot take a heap segment:
    // such buffers go through a native copy for the duration of one call.
    private static MemorySegment copyIn(Arena staging, MemorySegment segment) {
        return segment.isNative() ? segment : staging.allocate(segment.byteSize(), 64).copyFrom(segment);
    }

    private static MemorySegment outputFor(Arena staging, MemorySegment segment) {
        return segment.isNative() ? segment : staging.allocate(segment.byteSize(), 64);
    }

    private static void copyOut(MemorySegment staged, MemorySegment target) {
        if (staged != target) target.copyFrom(staged);
    }

    @Override
    public void barrier() {
        call("MPI_Barrier", () -> (int) mpi.barrier.invokeExact(comm));
    }

    @Override
    public Communicator split(int color, int key) {
        if (color < 0) throw new IllegalArgumentException("split: color must be >= 0 (MPI_UNDEFINED is not supported), got " + color);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            call("MPI_Comm_split", () -> (int) mpi.commSplit.invokeExact(comm, color, key, out));
            MemorySegment child = out.get(ValueLayout.ADDRESS, 0);
            call("MPI_Comm_set_errhandler", () -> (int) mpi.setErrhandler.invokeExact(child, mpi.errorsReturn));
            return new MpiCommunicator(mpi, child, true);
        }
    }

    /** Frees a communicator made by split; the world is freed by MPI_Finalize. */
    @Override
    public void close() {
        if (!owned) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(ValueLayout.ADDRESS);
            handle.set(ValueLayout.ADDRESS, 0, comm);
            call("MPI_Comm_free", () -> (int) mpi.commFree.invokeExact(handle));
        }
    }

    @Override
    public String toString() { return "MpiCommunicator(rank " + rank + " of " + size + ")"; }
}
