package dev.tessel.kernels.device;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The device buffers of one op call: host tensors go up as dense row-major copies of their logical
 * elements (any view is made contiguous first), results come down into new host tensors, and
 * every buffer allocated here is released when the scope closes.
 *
 * <p>Invariant: a buffer holds exactly numel·byteSize bytes of row-major data at offset 0 (the
 * kernels index it densely); allocations are never smaller than 16 bytes (OpenCL rejects 0).
 */
public final class DeviceScope implements AutoCloseable {
    private final DeviceApi api;
    private final List<DeviceBuffer> owned = new ArrayList<>();

    public DeviceScope(DeviceApi api) { this.api = api; }

    public DeviceApi api() { return api; }

    public DeviceBuffer allocate(long bytes) {
        DeviceBuffer b = api.allocate(Math.max(16, bytes));
        owned.add(b);
        return b;
    }

    /** A zero-filled buffer. */
    public DeviceBuffer zeros(long bytes) {
        DeviceBuffer b = allocate(bytes);
        api.zero(b, Math.max(16, bytes));
        return b;
    }

    /** Uploads the logical elements of {@code t} in row-major order. */
    public DeviceBuffer upload(Tensor t) {
        Tensor dense = t.contiguous();
        long bytes = bytes(dense);
        DeviceBuffer b = allocate(bytes);
        if (bytes > 0) {
            MemorySegment src = dense.segment().asSlice(dense.byteOffset(), bytes);
            if (src.isNative()) {
                api.write(b, src, bytes);
            } else {
                // Small tensors live on the Java heap, which the native copy APIs cannot address: stage them.
                try (Arena staging = Arena.ofConfined()) {
                    api.write(b, staging.allocate(bytes, 64).copyFrom(src), bytes);
                }
            }
        }
        if (dense != t) dense.close();
        return b;
    }

    /** A new host tensor filled from the start of {@code b}. */
    public Tensor download(DeviceBuffer b, DType dtype, int... dims) {
        Tensor out = Tensor.zeros(dtype, dims);
        downloadInto(b, out);
        return out;
    }

    /** Overwrites the contiguous host tensor {@code target} from the start of {@code b}. */
    public void downloadInto(DeviceBuffer b, Tensor target) {
        if (!target.isContiguous()) throw new IllegalArgumentException("DeviceScope.downloadInto: target " + target + " must be contiguous");
        long bytes = bytes(target);
        if (bytes > 0) {
            MemorySegment dst = target.segment().asSlice(target.byteOffset(), bytes);
            if (dst.isNative()) {
                api.read(b, dst, bytes);
            } else {
                try (Arena staging = Arena.ofConfined()) {
                    MemorySegment staged = staging.allocate(bytes, 64);
                    api.read(b, staged, bytes);
                    dst.copyFrom(staged);
                }
            }
        }
    }

    /** Reads {@code count} 32-bit words from the start of {@code b}. */
    public int[] readInts(DeviceBuffer b, int count) {
        try (Tensor t = Tensor.zeros(DType.I32, count)) {
            downloadInto(b, t);
            int[] out = new int[count];
            for (int i = 0; i < count; i++) out[i] = (int) t.getLong(i);
            return out;
        }
    }

    private static long bytes(Tensor t) { return t.numel() * t.dtype().byteSize(); }

    @Override public void close() {
        for (DeviceBuffer b : owned) api.release(b);
        owned.clear();
    }
}
