package dev.tessel.kernels.cuda;

import dev.tessel.kernels.Backends;
import dev.tessel.kernels.device.DeviceBackend;

/**
 * The Cuda backend: the shared DeviceBackend over {@link CudaApi} (JCuda driver API, kernels
 * compiled at run time by NVRTC from the shipped .cu sources, cuBLAS as GEMM variant 0), with the
 * Cpu backend as host for the ops DeviceBackend keeps on the host.
 *
 * <p>Invariant: probed once per process; without libcuda (every machine of this project) JCuda
 * fails at class initialisation with an UnsatisfiedLinkError, which the probe turns into a
 * reason string, so nothing above ever sees a LinkageError.
 */
public final class CudaBackend extends DeviceBackend {
    private CudaBackend(CudaApi api) { super("cuda", api, Backends.cpu()); }

    /** Whether CUDA works here, and why not. */
    public record Probe(CudaBackend backend, String reason) {
        public boolean available() { return backend != null; }
    }

    private static volatile Probe probe;

    /** Opens (once) and reports the Cuda backend; never throws. */
    public static Probe probe() {
        Probe p = probe;
        if (p != null) return p;
        synchronized (CudaBackend.class) {
            if (probe == null) {
                try {
                    probe = new Probe(new CudaBackend(CudaApi.open()), null);
                } catch (LinkageError | jcuda.CudaException e) {
                    probe = new Probe(null, "CUDA unavailable: " + summary(e));
                }
            }
            return probe;
        }
    }

    /** The backend, or IllegalStateException with the probe's reason. */
    public static CudaBackend shared() {
        Probe p = probe();
        if (!p.available()) throw new IllegalStateException(p.reason());
        return p.backend();
    }

    /**
     * One line out of JCuda's loader message (which embeds whole stack traces): its first line
     * plus the dynamic linker's complaint, e.g. "libcuda.so.1: cannot open shared object file".
     */
    private static String summary(Throwable e) {
        String message = String.valueOf(e.getMessage());
        String first = message.lines().findFirst().orElse("");
        String linker = message.lines().filter(l -> l.contains("cannot open shared object file")).findFirst().map(String::strip).orElse("");
        return e.getClass().getSimpleName() + ": " + first + (linker.isEmpty() ? "" : " (" + linker + ")");
    }
}
