// NarrowReduction: sums of F64, F16, BF16 and 1-6-9 tensors over a group, built by hand from
// byte collectives, because MPI has no sum for the 16-bit formats (and a user-defined MPI_Op
// would need an upcall on every rank's transport thread).
//
// Invariant: every element is summed over ranks in rank order in double and rounded to the
// dtype once, by exactly one rank (the owner of its chunk), so all ranks end with identical bits.
package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/** Reduce-scatter = all-to-all of raw chunks + a local sum; all-reduce = that + an all-gather. */
final class NarrowReduction {
    private NarrowReduction() {}

    static void allReduce(Communicator comm, Tensor t) {
        int world = comm.size();
        long n = t.numel();
        long chunk = (n + world - 1) / world;
        DType dtype = t.dtype();
        try (Tensor padded = Tensor.zeros(dtype, Math.toIntExact(chunk * world));
             Tensor mine = Tensor.zeros(dtype, Math.toIntExact(chunk));
             Tensor gathered = Tensor.zeros(dtype, Math.toIntExact(chunk * world))) {
            MemorySegment.copy(Collectives.bytesOf(t), 0, padded.segment(), 0, n * dtype.byteSize());
            reduceScatter(comm, padded, mine);
            comm.allGather(mine, gathered);
            MemorySegment.copy(gathered.segment(), 0, Collectives.bytesOf(t), 0, n * dtype.byteSize());
        }
    }

    /** {@code in} [size·n], {@code out} [n], both contiguous, same dtype. */
    static void reduceScatter(Communicator comm, Tensor in, Tensor out) {
        int world = comm.size();
        long n = out.numel();
        DType dtype = in.dtype();
        long chunkBytes = n * dtype.byteSize();
        try (Tensor received = Tensor.zeros(dtype, in.shape())) {
            comm.allToAllBytes(Collectives.bytesOf(in), received.segment(), chunkBytes);
            for (long i = 0; i < n; i++) {
                double sum = 0;
                for (int r = 0; r < world; r++) sum += dtype.decode(received.bitsAt(r * n + i));
                out.setBitsAt(out.offset() + i, dtype.encode(sum));
            }
        }
    }
}
