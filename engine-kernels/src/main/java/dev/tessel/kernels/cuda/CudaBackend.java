package dev.tessel.kernels.cuda;

import dev.tessel.kernels.Backends;
import dev.tessel.kernels.device.DeviceBackend;
import dev.tessel.kernels.device.DeviceProbe;

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

    private static final DeviceProbe<CudaBackend> PROBE = new DeviceProbe<>(() -> {
        try {
            return DeviceProbe.opened(new CudaBackend(CudaApi.open()));
        } catch (LinkageError | jcuda.CudaException e) {
            return DeviceProbe.unavailable("CUDA unavailable: " + summary(e));
        }
    });

    /** Opens (once) and reports the Cuda backend, or why it cannot run here; never throws. */
    public static DeviceProbe.Result<CudaBackend> probe() { return PROBE.get(); }

    /** The backend, or IllegalStateException with the probe's reason. */
    public static CudaBackend shared() { return PROBE.require(); }

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
