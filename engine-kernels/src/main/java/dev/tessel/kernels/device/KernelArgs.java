package dev.tessel.kernels.device;

import java.util.ArrayList;
import java.util.List;

/**
 * Kernel arguments in declaration order, typed the way both dialects agree on: device buffers,
 * 32-bit ints, 64-bit longs (i64 in the header) and floats. No size_t or bool (their width differs
 * between host and device, DESIGN.md 2b).
 *
 * <p>Invariant: the order and types here match the kernel's C signature exactly; each
 * DeviceApi packs them (clSetKernelArg / cuLaunchKernel's pointer array) without reordering.
 */
public final class KernelArgs {
    public sealed interface Arg permits Buffer, Int, Long, Float {}

    public record Buffer(DeviceBuffer buffer) implements Arg {}

    public record Int(int value) implements Arg {}

    public record Long(long value) implements Arg {}

    public record Float(float value) implements Arg {}

    private final List<Arg> args = new ArrayList<>();

    public KernelArgs buffer(DeviceBuffer b) {
        args.add(new Buffer(java.util.Objects.requireNonNull(b, "buffer")));
        return this;
    }

    public KernelArgs i32(int v) {
        args.add(new Int(v));
        return this;
    }

    public KernelArgs i64(long v) {
        args.add(new Long(v));
        return this;
    }

    public KernelArgs f32(float v) {
        args.add(new Float(v));
        return this;
    }

    public List<Arg> list() { return List.copyOf(args); }
}
