package dev.tessel.kernels.opencl;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.device.DeviceBackend;
import dev.tessel.kernels.device.DeviceProbe;

/**
 * The OpenCl backend: the shared DeviceBackend over {@link OpenClApi}, with the Cpu backend as
 * host for the ops that stay on the host (DeviceBackend lists them). On these machines it runs
 * on PoCL's CPU device, which is how the device kernels are verified without a GPU.
 *
 * <p>Invariant: one process-wide instance ({@link #shared()}), opened on first use; an absent
 * platform surfaces as a {@link DeviceProbe} result with the reason, never as a half-built backend.
 */
public final class OpenClBackend extends DeviceBackend {
    private OpenClBackend(OpenClApi api, Backend host) { super("opencl", api, host); }

    private static final DeviceProbe<OpenClBackend> PROBE = new DeviceProbe<>(() -> {
        try {
            return DeviceProbe.opened(new OpenClBackend(OpenClApi.open(), dev.tessel.kernels.Backends.cpu()));
        } catch (org.jocl.CLException | LinkageError e) {
            return DeviceProbe.unavailable("OpenCL unavailable: " + e);
        }
    });

    /** Opens (once) and reports the OpenCL backend, or why it cannot run here; never throws. */
    public static DeviceProbe.Result<OpenClBackend> probe() { return PROBE.get(); }

    /** The backend, or IllegalStateException with the probe's reason. */
    public static OpenClBackend shared() { return PROBE.require(); }
}
