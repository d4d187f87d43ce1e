// Communicator: the collectives of one process group (a world, a machine, the same-ordinal ranks
// of every machine), on tensors.
//
// Invariants: every rank of a group calls the same collectives in the same order with matching
// sizes (as in MPI); a call returns only when this rank's result is complete; results are
// identical on every rank (reductions sum in one fixed order). An implementation provides the
// byte-level primitives; the tensor methods here are written once on top of them, so the 16-bit
// reductions behave the same over threads and over MPI.
package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Collectives on contiguous tensors. {@link DType#F32} reductions use the transport's own float
 * sum; F64, F16, BF16 and the paper's 1-6-9 format ({@link DType#MEAN_1_6_9}) are reduced by
 * hand (see {@link NarrowReduction}): an all-to-all of raw bytes, a local sum in double, one
 * rounding to the format, an all-gather of raw bytes.
 */
public interface Communicator extends AutoCloseable {
    /** This process's (or thread's) index in the group, in [0, size). */
    int rank();

    /** Number of ranks in the group. */
    int size();

    // ------------------------------------------------------------ byte-level primitives

    /** In-place sum of {@code count} floats over the group. */
    void allReduceFloatSum(MemorySegment buffer, long count);

    /** {@code send} holds size()·count floats; rank k receives the sum of everyone's k-th block of count. */
    void reduceScatterFloatSum(MemorySegment send, MemorySegment recv, long count);

    /** Everyone's {@code bytes} bytes, concatenated in rank order into {@code recv} (size()·bytes). */
    void allGatherBytes(MemorySegment send, MemorySegment recv, long bytes);

    /** Block k of {@code send} (bytes each) goes to rank k; block j of {@code recv} comes from rank j. */
    void allToAllBytes(MemorySegment send, MemorySegment recv, long bytes);

    /** Copies {@code bytes} bytes of {@code root}'s buffer into everyone's. */
    void broadcastBytes(MemorySegment buffer, long bytes, int root);

    /** Returns once every rank of the group has entered it. */
    void barrier();

    /**
     * Collective: a new group of the ranks that pass the same {@code color}, ordered by
     * {@code key} then by rank in this group (MPI_Comm_split).
     */
    Communicator split(int color, int key);

    /** Releases the group (not the world's transport); the caller must not use it afterwards. */
    @Override
    void close();

    // ------------------------------------------------------------ tensor collectives

    /** In place: every rank's {@code t} becomes the element-wise sum over the group. */
    default void allReduce(Tensor t) {
        Collectives.check("allReduce", t);
        if (t.dtype() == DType.F32) allReduceFloatSum(Collectives.bytesOf(t), t.numel());
        else NarrowReduction.allReduce(this, t);
    }

    /** {@code in} has size()·n elements; this rank's {@code out} (n) gets the sum of everyone's block rank(). */
    default void reduceScatter(Tensor in, Tensor out) {
        Collectives.checkPair("reduceScatter", in, out, size());
        if (in.dtype() == DType.F32) reduceScatterFloatSum(Collectives.bytesOf(in), Collectives.bytesOf(out), out.numel());
        else NarrowReduction.reduceScatter(this, in, out);
    }

    /** {@code out} (size()·n) gets every rank's {@code in} (n), in rank order. */
    default void allGather(Tensor in, Tensor out) {
        Collectives.checkPair("allGather", out, in, size());
        allGatherBytes(Collectives.bytesOf(in), Collectives.bytesOf(out), in.numel() * in.dtype().byteSize());
    }

    /** Every rank's {@code t} becomes {@code root}'s. */
    default void broadcast(Tensor t, int root) {
        Collectives.check("broadcast", t);
        if (root < 0 || root >= size()) {
            throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of this group of " + size());
        }
        broadcastBytes(Collectives.bytesOf(t), t.numel() * t.dtype().byteSize(), root);
    }
}
