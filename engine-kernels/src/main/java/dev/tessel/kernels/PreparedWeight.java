package dev.tessel.kernels;

import dev.tessel.tensor.Tensor;

/**
 * A linear layer's weight [N, K] (torch layout) made ready by a backend for many products
 * rows·weightᵀ ({@link Backend#prepareWeight}, {@link Backend#matmulPrepared}): KV-cached sampling
 * multiplies every weight once per token, and the Cpu backend would otherwise re-pack it each time.
 *
 * <p>Invariant: a prepared weight may be a snapshot of the weight's values; whoever prepares one
 * promises not to modify the weight while it is in use (prepare it per sampling call, never across
 * training steps).
 */
public interface PreparedWeight {
    /** The weight this was prepared from. */
    Tensor weight();

    /** A weight used as it is: what a backend without a prepared form returns. */
    static PreparedWeight unprepared(Tensor weight) {
        return () -> weight;
    }
}
