package dev.tessel.kernels;

import dev.tessel.kernels.cpu.CpuBackend;
import dev.tessel.kernels.opencl.OpenClBackend;
import dev.tessel.kernels.reference.ReferenceBackend;

/**
 * Backend selection. The default is CUDA where a GPU is present (the Cuda backend's probe
 * succeeds), else Cpu; {@code -Dtessel.backend=reference|cpu|opencl|cuda} overrides it. OpenCL is
 * never the default: here it runs on PoCL's CPU device, slower than the Cpu backend, and exists
 * to verify the device kernels. Backends are thread-safe singletons (device ones serialise their
 * queue), so sharing one across threads is safe.
 */
public final class Backends {
    private static final Backend REFERENCE = new ReferenceBackend();
    private static final Backend CPU = new CpuBackend();

    private Backends() {}

    public static Backend reference() { return REFERENCE; }

    public static Backend cpu() { return CPU; }

    /** The backend named by {@code -Dtessel.backend}, else the default (CUDA if a GPU works, else Cpu). */
    public static Backend get() {
        String name = System.getProperty("tessel.backend");
        if (name != null && !name.isBlank()) return byName(name);
        var cuda = dev.tessel.kernels.cuda.CudaBackend.probe();
        return cuda.available() ? cuda.backend() : CPU;
    }

    /** reference, cpu, opencl or cuda; a device backend that cannot start throws IllegalStateException with the reason. */
    public static Backend byName(String name) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "reference" -> REFERENCE;
            case "cpu" -> CPU;
            case "opencl" -> OpenClBackend.shared();
            case "cuda" -> dev.tessel.kernels.cuda.CudaBackend.shared();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': expected reference, cpu, opencl or cuda");
        };
    }
}
