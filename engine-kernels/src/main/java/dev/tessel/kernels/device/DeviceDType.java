package dev.tessel.kernels.device;

import dev.tessel.tensor.DType;

/**
 * The element types device kernels store: the codes of TESSEL_F32 / TESSEL_F16 / TESSEL_BF16 in
 * tessel_portable.h, passed to a build as -D options (e.g. -DIN_DTYPE=1).
 *
 * <p>Invariant: codes equal the header's; F64 has no code (device backends delegate F64 to the
 * host, see DeviceBackend), nor do integer dtypes (handled as raw I32 / I64 arguments).
 */
public final class DeviceDType {
    private DeviceDType() {}

    public static boolean supported(DType d) { return d == DType.F32 || d == DType.F16 || d == DType.BF16; }

    public static int code(DType d) {
        return switch (d) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            default -> throw new IllegalArgumentException("device kernels store F32, F16 or BF16, not " + d);
        };
    }
}
