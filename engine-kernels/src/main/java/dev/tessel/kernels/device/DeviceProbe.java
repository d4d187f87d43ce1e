package dev.tessel.kernels.device;

import java.util.function.Supplier;

/**
 * Opens a device backend once per process and remembers the outcome: the backend, or the one-line
 * reason it cannot run here (no OpenCL platform, no libcuda, no GPU). Shared by the OpenCl and
 * Cuda backends, whose openers catch their own API's exceptions and LinkageError.
 *
 * <p>Invariant: the opener runs at most once; afterwards {@link #get()} never throws.
 */
public final class DeviceProbe<B> {
    /** The outcome: exactly one of backend and reason is non-null. */
    public record Result<B>(B backend, String reason) {
        public boolean available() { return backend != null; }
    }

    private final Supplier<Result<B>> opener;
    private volatile Result<B> result;

    public DeviceProbe(Supplier<Result<B>> opener) { this.opener = opener; }

    public static <B> Result<B> opened(B backend) { return new Result<>(backend, null); }

    public static <B> Result<B> unavailable(String reason) { return new Result<>(null, reason); }

    public Result<B> get() {
        Result<B> r = result;
        if (r != null) return r;
        synchronized (this) {
            if (result == null) result = opener.get();
            return result;
        }
    }

    /** The backend, or IllegalStateException with the reason. */
    public B require() {
        Result<B> r = get();
        if (!r.available()) throw new IllegalStateException(r.reason());
        return r.backend();
    }
}
