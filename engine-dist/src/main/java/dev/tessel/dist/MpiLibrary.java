// MpiLibrary: Open MPI 4.x's libmpi.so.40 bound through the FFM API (Debian ships no mpi.jar).
//
// Invariants: handles (communicators, datatypes, ops, error handlers) are addresses: predefined
// ones are the addresses of Open MPI's globals (ompi_mpi_comm_world, ...; MPICH would use integer
// handles and is not supported). Buffers passed here are off-heap segments (a downcall rejects a
// heap segment; MpiCommunicator stages heap buffers). Every call's return code is checked; a non-zero code becomes an
// exception carrying MPI_Error_string's text.
package dev.tessel.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The MPI entry points tessel uses, loaded once per process. */
final class MpiLibrary {
    static final String LIBRARY = "libmpi.so.40";
    /** Open MPI's MPI_IN_PLACE is the address 1. */
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);
    static final int THREAD_SERIALIZED = 2, THREAD_MULTIPLE = 3;

    final MemorySegment commWorld, floatType, byteType, opSum, errorsReturn;
    final MethodHandle initThread, initialized, finalized, finalizeMpi, commRank, commSize, allreduce, reduceScatterBlock,
            allgather, alltoall, bcast, barrier, commSplit, commFree, abort, setErrhandler, errorString;

    private static MpiLibrary instance;

    /** The library, or an exception saying why it cannot be loaded (Open MPI not installed). */
    static synchronized MpiLibrary get() {
        if (instance == null) instance = new MpiLibrary();
        return instance;
    }

    private MpiLibrary() {
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot load " + LIBRARY + " (Open MPI 4.x): install it with "
                    + "'apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev'", e);
        }
        commWorld = global(lib, "ompi_mpi_comm_world");
        floatType = global(lib, "ompi_mpi_float");
        byteType = global(lib, "ompi_mpi_byte");
        opSum = global(lib, "ompi_mpi_op_sum");
        errorsReturn = global(lib, "ompi_mpi_errors_return");
        Linker linker = Linker.nativeLinker();
        initThread = fn(lib, linker, "MPI_Init_thread", ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        initialized = fn(lib, linker, "MPI_Initialized", ADDRESS);
        finalized = fn(lib, linker, "MPI_Finalized", ADDRESS);
        finalizeMpi = fn(lib, linker, "MPI_Finalize");
        commRank = fn(lib, linker, "MPI_Comm_rank", ADDRESS, ADDRESS);
        commSize = fn(lib, linker, "MPI_Comm_size", ADDRESS, ADDRESS);
        allreduce = fn(lib, linker, "MPI_Allreduce", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        reduceScatterBlock = fn(lib, linker, "MPI_Reduce_scatter_block", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        allgather = fn(lib, linker, "MPI_Allgather", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        alltoall = fn(lib, linker, "MPI_Alltoall", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        bcast = fn(lib, linker, "MPI_Bcast", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        barrier = fn(lib, linker, "MPI_Barrier", ADDRESS);
        commSplit = fn(lib, linker, "MPI_Comm_split", ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
        commFree = fn(lib, linker, "MPI_Comm_free", ADDRESS);
        abort = fn(lib, linker, "MPI_Abort", ADDRESS, JAVA_INT);
        setErrhandler = fn(lib, linker, "MPI_Comm_set_errhandler", ADDRESS, ADDRESS);
        errorString = fn(lib, linker, "MPI_Error_string", JAVA_INT, ADDRESS, ADDRESS);
    }

    private static MemorySegment global(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no symbol " + name
                + "; tessel's MPI binding needs Open MPI (MPICH uses integer handles)"));
    }

    private static MethodHandle fn(SymbolLookup lib, Linker linker, String name, ValueLayout... args) {
        MemorySegment address = lib.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no function " + name));
        return linker.downcallHandle(address, FunctionDescriptor.of(JAVA_INT, args));
    }

    /** Throws unless {@code rc} is MPI_SUCCESS (0); the message names the call and MPI's reason. */
    void check(int rc, String call) {
        if (rc == 0) return;
        String reason;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(512);
            MemorySegment length = arena.allocate(JAVA_INT);
            int r = (int) errorString.invokeExact(rc, text, length);
            reason = r == 0 ? text.getString(0) : "error code " + rc;
        } catch (Throwable t) {
            reason = "error code " + rc;
        }
        throw new IllegalStateException(call + " failed: " + reason);
    }
}
