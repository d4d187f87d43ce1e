package dev.tessel.kernels.device;

/**
 * A device allocation as seen by the shared layer: an opaque handle of a known size. Each
 * {@link DeviceApi} casts it back to its own type (cl_mem, CUdeviceptr).
 *
 * <p>Invariant: a buffer belongs to the DeviceApi that allocated it and is released exactly once.
 */
public interface DeviceBuffer {
    long bytes();
}
