package dev.tessel.kernels.device;

import java.lang.foreign.MemorySegment;

/**
 * The only part of a device backend that differs between OpenCL and CUDA: memory, compilation
 * and launch. Everything else (which kernel, which variant, argument order, launch geometry,
 * staging of host tensors) lives in this package and is shared, so it is tested through OpenCL
 * on machines without a GPU.
 *
 * <p>Invariant: calls are serialised by the implementation (one queue / stream, in order);
 * {@link #read} returns only after every earlier launch has finished, so a host buffer read
 * after a launch sees its results.
 */
public interface DeviceApi extends AutoCloseable {
    /** Short name for messages, e.g. "opencl (Portable Computing Language / pthread-haswell)". */
    String description();

    /** Which dialect the sources are compiled as: decides the -D spelling of options and the launch mapping. */
    Dialect dialect();

    enum Dialect { OPENCL, CUDA }

    /** A device allocation of at least {@code bytes} bytes (contents undefined). */
    DeviceBuffer allocate(long bytes);

    void release(DeviceBuffer buffer);

    /** Copies {@code bytes} bytes from the host segment into the start of the buffer. */
    void write(DeviceBuffer buffer, MemorySegment source, long bytes);

    /** Copies {@code bytes} bytes from the start of the buffer into the host segment (blocking). */
    void read(DeviceBuffer buffer, MemorySegment destination, long bytes);

    /** Fills the first {@code bytes} bytes with zeros. */
    void zero(DeviceBuffer buffer, long bytes);

    /** The entry point {@code kernelName} of the program built from {@code program} (built and cached on first use). */
    KernelHandle kernel(ProgramSource program, String kernelName);

    /** Enqueues one launch; arguments in the kernel's declared order. */
    void launch(KernelHandle kernel, Launch geometry, KernelArgs args);

    /** The vendor GEMM (GEMM variant 0), or null where there is none (OpenCL). */
    default VendorGemm vendorGemm() { return null; }

    /** Whether tensor-core kernels (CUDA sm_80+, GEMM variant 3) can run here. */
    default boolean tensorCores() { return false; }

    @Override void close();
}
