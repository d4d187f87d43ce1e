package dev.tessel.kernels.opencl;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.device.DeviceBackend;

/**
 * The OpenCl backend: the shared DeviceBackend over {@link OpenClApi}, with the Cpu backend as
 * host for the ops that stay on the host (DeviceBackend lists them). On these machines it runs
 * on PoCL's CPU device, which is how the device kernels are verified without a GPU.
 *
 * <p>Invariant: one process-wide instance ({@link #shared()}), opened on first use; an absent
 * platform surfaces as {@link Probe} with the reason, never as a half-built backend.
 */
public final class OpenClBackend extends DeviceBackend {
    private OpenClBackend(OpenClApi api, Backend host) { super("opencl", api, host); }

    /** Whether OpenCL works here, and why not. */
    public record Probe(OpenClBackend backend, String reason) {
        public boolean available() { return backend != null; }
    }

    private static volatile Probe probe;

    /** Opens (once) and reports the OpenCL backend; never throws. */
    public static Probe probe() {
        Probe p = probe;
        if (p != null) return p;
        synchronized (OpenClBackend.class) {
            if (probe == null) {
                try {
                    probe = new Probe(new OpenClBackend(OpenClApi.open(), dev.tessel.kernels.Backends.cpu()), null);
                } catch (org.jocl.CLException | LinkageError e) {
                    probe = new Probe(null, "OpenCL unavailable: " + e);
                }
            }
            return probe;
        }
    }

    /** The backend, or IllegalStateException with the probe's reason. */
    public static OpenClBackend shared() {
        Probe p = probe();
        if (!p.available()) throw new IllegalStateException(p.reason());
        return p.backend();
    }
}
