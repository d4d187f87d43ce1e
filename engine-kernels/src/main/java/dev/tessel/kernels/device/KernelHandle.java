package dev.tessel.kernels.device;

/**
 * A compiled kernel entry point (cl_kernel, CUfunction) as seen by the shared layer.
 *
 * <p>Invariant: a handle stays valid for the life of the DeviceApi that made it (programs are
 * cached, never unloaded), so callers may keep it.
 */
public interface KernelHandle {
    String name();
}
