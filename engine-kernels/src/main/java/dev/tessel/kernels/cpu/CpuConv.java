package dev.tessel.kernels.cpu;

import dev.tessel.kernels.cpu.conv.ConvF64;
import dev.tessel.kernels.cpu.conv.ConvShapes;
import dev.tessel.kernels.cpu.conv.DirectConv;
import dev.tessel.kernels.cpu.conv.Im2col;
import dev.tessel.kernels.cpu.conv.Resample;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Convolution and resampling of the Cpu backend. conv2d is a GEMM per (image, pixel tile), through
 * {@link CpuGemm#sgemm}: a 1x1 kernel multiplies weight [Cout,Cin] by the image [Cin,H*W] where it
 * lies; a k x k kernel expands the tile with {@link Im2col} one depth slab of col [Cin*k*k, tile]
 * at a time and accumulates weight [Cout, slab] times it into the output. Tasks spread over the
 * threads; when there are too few of them, each GEMM spreads over the threads instead.
 *
 * Narrow 3x3 layers (at most {@link DirectConv#NARROW} channels on one side) take {@link DirectConv}'s
 * direct loops instead, where the GEMM's tiles would be mostly padding.
 *
 * <p>Invariants: F32 is the fast path; F16/BF16 are widened to F32 and the result is rounded
 * back to the input dtype; F64 takes the plain {@link ConvF64} loops. The backward input pass is
 * conv2d of gradOut with the weight transposed in/out and flipped in space — exact only because
 * the padding is symmetric ("same", odd k). Inputs are never written.
 */
final class CpuConv {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /**
     * Output pixels per task (GEMM columns): wide enough that the packed weight block is reused
     * over many micro-kernel columns, small enough that a batch-1 image still splits over threads.
     */
    private static final int TILE_PIXELS = 1024;
    /**
     * Rows of the im2col matrix built at once: the GEMM's depth block (KC = 256), so each slab is
     * packed straight from cache right after im2col writes it (a whole 3x3x256 col would be 9 MB
     * per image, streamed through memory twice). Measured: conv2d at ~97% of the plain GEMM rate.
     */
    private static final int DEPTH_SLAB = 256;

    private CpuConv() {}

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        ConvShapes.checkConv("conv2d", x, weight, false);
        ConvShapes.checkBias("conv2d", x, weight, bias);
        int batch = x.dim(0), cin = x.dim(1), h = x.dim(2), w = x.dim(3), cout = weight.dim(0), k = weight.dim(2);
        if (x.dtype() == DType.F64) {
            double[] y = ConvF64.conv2d(x.toDoubleArray(), weight.toDoubleArray(), bias == null ? null : bias.toDoubleArray(),
                    batch, cin, cout, h, w, k);
            return Tensor.of(y, batch, cout, h, w);
        }
        Tensor xf = contiguousF32(x), wf = contiguousF32(weight), bf = bias == null ? null : contiguousF32(bias);
        Tensor y = Tensor.zeros(DType.F32, batch, cout, h, w);
        if (DirectConv.applies(cin, cout, k)) {
            DirectConv.forward(xf.segment(), xf.offset(), wf.toFloatArray(), bf == null ? null : bf.toFloatArray(), y.segment(), y.offset(),
                    batch, cin, cout, h, w);
        } else {
            conv2dF32(xf, wf, bf, y, batch, cin, cout, h, w, k);
        }
        return inDtype(y, x.dtype());
    }

    public static Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight) {
        ConvShapes.checkConv("conv2dBackwardInput", gradOut, weight, true);
        int batch = gradOut.dim(0), cout = gradOut.dim(1), h = gradOut.dim(2), w = gradOut.dim(3);
        int cin = weight.dim(1), k = weight.dim(2);
        if (gradOut.dtype() == DType.F64) {
            double[] flipped = flipTransposed(weight.toDoubleArray(), cout, cin, k);
            return Tensor.of(ConvF64.conv2d(gradOut.toDoubleArray(), flipped, null, batch, cout, cin, h, w, k), batch, cin, h, w);
        }
        float[] flipped = flipTransposed(contiguousF32(weight).toFloatArray(), cout, cin, k);
        Tensor g = contiguousF32(gradOut);
        Tensor gx = Tensor.zeros(DType.F32, batch, cin, h, w);
        if (DirectConv.applies(cout, cin, k)) {
            DirectConv.forward(g.segment(), g.offset(), flipped, null, gx.segment(), gx.offset(), batch, cout, cin, h, w);
            return inDtype(gx, gradOut.dtype());
        }
        // weightT [Cin, Cout, k, k]: output channel c reads gradOut channel o through W[o,c] flipped
        Tensor weightT = Tensor.of(flipped, cin, cout, k, k);
        conv2dF32(g, weightT, null, gx, batch, cout, cin, h, w, k);
        weightT.close();
        return inDtype(gx, gradOut.dtype());
    }

    public static Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, int kernel) {
        ConvShapes.checkBackwardWeight("conv2dBackwardWeight", x, gradOut, kernel);
        int batch = x.dim(0), cin = x.dim(1), h = x.dim(2), w = x.dim(3), cout = gradOut.dim(1), k = kernel;
        if (x.dtype() == DType.F64) {
            return Tensor.of(ConvF64.backwardWeight(x.toDoubleArray(), gradOut.toDoubleArray(), batch, cin, cout, h, w, k), cout, cin, k, k);
        }
        Tensor xf = contiguousF32(x), gf = contiguousF32(gradOut);
        Tensor gw = DirectConv.applies(cin, cout, k)
                ? Tensor.of(DirectConv.backwardWeight(xf.segment(), xf.offset(), gf.segment(), gf.offset(), batch, cin, cout, h, w), cout, cin, k, k)
                : backwardWeightF32(xf, gf, batch, cin, cout, h, w, k);
        return inDtype(gw, x.dtype());
    }

    public static Tensor maxPool2x2(Tensor x) {
        ConvShapes.checkPoolable("maxPool2x2", x);
        int planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
        int[] out = {x.dim(0), x.dim(1), h / 2, w / 2};
        if (x.dtype() == DType.F64) return Tensor.of(Resample.maxPool(x.toDoubleArray(), planes, h, w), out);
        return inDtype(Tensor.of(Resample.maxPool(x.toFloatArray(), planes, h, w), out), x.dtype());
    }

    public static Tensor maxPool2x2Backward(Tensor x, Tensor gradOut) {
        ConvShapes.checkPoolGrad("maxPool2x2Backward", x, gradOut);
        int planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
        int[] shape = x.shape().toArray();
        if (x.dtype() == DType.F64) {
            return Tensor.of(Resample.maxPoolBackward(x.toDoubleArray(), gradOut.toDoubleArray(), planes, h, w), shape);
        }
        return inDtype(Tensor.of(Resample.maxPoolBackward(x.toFloatArray(), gradOut.toFloatArray(), planes, h, w), shape), x.dtype());
    }

    public static Tensor upsampleNearest2x(Tensor x) {
        ConvShapes.checkImage("upsampleNearest2x", "x", x);
        int planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
        int[] out = {x.dim(0), x.dim(1), 2 * h, 2 * w};
        if (x.dtype() == DType.F64) return Tensor.of(Resample.upsample(x.toDoubleArray(), planes, h, w), out);
        return inDtype(Tensor.of(Resample.upsample(x.toFloatArray(), planes, h, w), out), x.dtype());
    }

    public static Tensor upsampleNearest2xBackward(Tensor gradOut) {
        ConvShapes.checkPoolable("upsampleNearest2xBackward", gradOut);
        int planes = gradOut.dim(0) * gradOut.dim(1), h = gradOut.dim(2), w = gradOut.dim(3);
        int[] out = {gradOut.dim(0), gradOut.dim(1), h / 2, w / 2};
        if (gradOut.dtype() == DType.F64) return Tensor.of(Resample.upsampleBackward(gradOut.toDoubleArray(), planes, h, w), out);
        return inDtype(Tensor.of(Resample.upsampleBackward(gradOut.toFloatArray(), planes, h, w), out), gradOut.dtype());
    }

    // ---------------------------------------------------------------- float32 GEMM drivers

    /** y [B,Cout,H,W] (contiguous F32, zero) = x [B,Cin,H,W] (*) weight [Cout,Cin,k,k] + bias; all contiguous F32. */
    private static void conv2dF32(Tensor x, Tensor weight, Tensor bias, Tensor y, int batch, int cin, int cout, int h, int w, int k) {
        int hw = h * w, depth = cin * k * k;
        int tiles = (hw + TILE_PIXELS - 1) / TILE_PIXELS;
        MemorySegment xs = x.segment(), ws = weight.segment(), ys = y.segment();
        long xOff = x.offset(), wOff = weight.offset(), yOff = y.offset();
        boolean accumulate = bias != null;
        forTasks(batch * tiles, (nextTask, gemmsFork) -> {
            try (Arena arena = scratchArena(gemmsFork)) {
                MemorySegment col = k == 1 ? null : arena.allocate((long) Math.min(depth, DEPTH_SLAB) * Math.min(hw, TILE_PIXELS) * Float.BYTES, 64);
                for (int task = nextTask.getAsInt(); task >= 0; task = nextTask.getAsInt()) {
                    int b = task / tiles, p0 = (task % tiles) * TILE_PIXELS, p1 = Math.min(hw, p0 + TILE_PIXELS);
                    long image = xOff + (long) b * cin * hw, out = yOff + (long) b * cout * hw + p0;
                    if (bias != null) {
                        // the GEMMs accumulate onto the bias
                        float[] row = new float[p1 - p0];
                        for (int o = 0; o < cout; o++) {
                            Arrays.fill(row, bias.segment().getAtIndex(F, bias.offset() + o));
                            MemorySegment.copy(row, 0, ys, F, (out + (long) o * hw) * Float.BYTES, row.length);
                        }
                    }
                    if (k == 1) {
                        // x image [Cin, H*W] is already the GEMM operand
                        CpuGemm.sgemm(cout, p1 - p0, cin, ws, wOff, cin, 1, xs, image + p0, hw, 1, ys, out, hw, accumulate);
                    } else {
                        for (int q0 = 0; q0 < depth; q0 += DEPTH_SLAB) {
                            // col: rows [q0, q1) of the [Cin*k*k, p1-p0] im2col matrix
                            int q1 = Math.min(depth, q0 + DEPTH_SLAB);
                            Im2col.fill(xs, image, h, w, k, q0, q1, p0, p1, col, 0, p1 - p0);
                            CpuGemm.sgemm(cout, p1 - p0, q1 - q0, ws, wOff + q0, depth, 1, col, 0, p1 - p0, 1, ys, out, hw, accumulate || q0 > 0);
                        }
                    }
                }
            }
        });
    }

    /**
     * dW [Cout, Cin*k*k] = sum over images and pixel tiles of gradOut [Cout, tile] · col [Cin*k*k, tile]^T.
     * The tasks split into fixed contiguous ranges, one partial sum each, added in range order: a
     * task-stealing split made which images a partial held depend on thread timing, so the same
     * step could round differently from run to run (and an exact resume could drift).
     */
    private static Tensor backwardWeightF32(Tensor x, Tensor gradOut, int batch, int cin, int cout, int h, int w, int k) {
        int hw = h * w, depth = cin * k * k;
        int tiles = (hw + TILE_PIXELS - 1) / TILE_PIXELS, tasks = batch * tiles;
        MemorySegment xs = x.segment(), gs = gradOut.segment();
        long xOff = x.offset(), gOff = gradOut.offset();
        int ranges = Math.min(CpuThreads.threads(), tasks);
        Tensor[] partials = new Tensor[ranges];
        CpuThreads.parallelFor(ranges, 1, (from, to) -> {
            for (int range = from; range < to; range++) {
                Tensor partial = Tensor.zeros(DType.F32, cout, depth);
                MemorySegment ps = partial.segment();
                // one range runs on the calling thread and its GEMMs spread over the pool, which reads col
                try (Arena arena = scratchArena(ranges == 1 && CpuThreads.threads() > 1)) {
                    MemorySegment col = k == 1 ? null : arena.allocate((long) Math.min(depth, DEPTH_SLAB) * Math.min(hw, TILE_PIXELS) * Float.BYTES, 64);
                    for (int task = (int) ((long) tasks * range / ranges), end = (int) ((long) tasks * (range + 1) / ranges); task < end; task++) {
                        int b = task / tiles, p0 = (task % tiles) * TILE_PIXELS, n = Math.min(hw, p0 + TILE_PIXELS) - p0;
                        long image = xOff + (long) b * cin * hw, grad = gOff + (long) b * cout * hw + p0;
                        if (k == 1) {
                            CpuGemm.sgemm(cout, depth, n, gs, grad, hw, 1, xs, image + p0, 1, hw, ps, 0, depth, true);
                        } else {
                            for (int q0 = 0; q0 < depth; q0 += DEPTH_SLAB) {
                                int q1 = Math.min(depth, q0 + DEPTH_SLAB);
                                Im2col.fill(xs, image, h, w, k, q0, q1, p0, p0 + n, col, 0, n);
                                // B(p, q) = col[q, p]: the transpose of the col slab, read through strides
                                CpuGemm.sgemm(cout, q1 - q0, n, gs, grad, hw, 1, col, 0, 1, n, ps, q0, depth, true);
                            }
                        }
                    }
                }
                partials[range] = partial;
            }
        });
        Tensor sum = partials[0];
        MemorySegment ss = sum.segment();
        for (int r = 1; r < ranges; r++) {
            MemorySegment ps = partials[r].segment();
            for (long i = 0, total = (long) cout * depth; i < total; i++) ss.setAtIndex(F, i, ss.getAtIndex(F, i) + ps.getAtIndex(F, i));
            partials[r].close();
        }
        return sum.reshape(cout, cin, k, k);
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A worker that keeps taking task numbers until the supplier returns -1. {@code gemmsFork} is
     * true when the worker runs alone on the calling thread and its GEMMs spread over the pool:
     * then pool threads read its scratch memory, which must come from a shared arena.
     */
    @FunctionalInterface
    private interface TaskWorker { void run(IntSupplier nextTask, boolean gemmsFork); }

    /** Scratch for one worker: confined (cheap to close) unless other threads will read it. */
    private static Arena scratchArena(boolean readByOtherThreads) {
        return readByOtherThreads ? Arena.ofShared() : Arena.ofConfined();
    }

    /**
     * Runs (image, tile) tasks 0..tasks-1. With at least two tasks per thread (or an even split),
     * one worker per thread takes the next free task, so a thread slowed by a busy core does less
     * of the work instead of holding up the step. Otherwise the tasks run on this thread in order
     * and each GEMM spreads over the pool itself (a batch-1 image).
     */
    private static void forTasks(int tasks, TaskWorker worker) {
        int threads = CpuThreads.threads();
        AtomicInteger next = new AtomicInteger();
        IntSupplier nextTask = () -> {
            int t = next.getAndIncrement();
            return t < tasks ? t : -1;
        };
        if (threads > 1 && (tasks % threads == 0 || tasks >= 2 * threads)) {
            CpuThreads.parallelFor(threads, 1, (from, to) -> worker.run(nextTask, false));
        } else {
            worker.run(nextTask, threads > 1);
        }
    }

    /** [Cout,Cin,k,k] -> [Cin,Cout,k,k] with each k x k kernel rotated by 180 degrees. */
    private static float[] flipTransposed(float[] weight, int cout, int cin, int k) {
        float[] out = new float[weight.length];
        for (int o = 0; o < cout; o++)
            for (int c = 0; c < cin; c++)
                for (int u = 0; u < k; u++)
                    for (int v = 0; v < k; v++)
                        out[((c * cout + o) * k + (k - 1 - u)) * k + (k - 1 - v)] = weight[((o * cin + c) * k + u) * k + v];
        return out;
    }

    private static double[] flipTransposed(double[] weight, int cout, int cin, int k) {
        double[] out = new double[weight.length];
        for (int o = 0; o < cout; o++)
            for (int c = 0; c < cin; c++)
                for (int u = 0; u < k; u++)
                    for (int v = 0; v < k; v++)
                        out[((c * cout + o) * k + (k - 1 - u)) * k + (k - 1 - v)] = weight[((o * cin + c) * k + u) * k + v];
        return out;
    }

    /** The tensor itself when already contiguous F32, else a contiguous F32 copy (F16/BF16 widen exactly). */
    private static Tensor contiguousF32(Tensor t) {
        return t.dtype() == DType.F32 ? t.contiguous() : t.to(DType.F32);
    }

    /** Rounds an F32 result to the caller's dtype, freeing the F32 buffer when a copy was made. */
    private static Tensor inDtype(Tensor f32, DType dtype) {
        if (dtype == DType.F32) return f32;
        Tensor out = f32.to(dtype);
        f32.close();
        return out;
    }
}
