package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reductions and normalisations of the Cpu backend. The input is made contiguous and seen as
 * lines along the reduced axis: [outer, n, inner] has outer·inner lines of n values at stride
 * inner. Lines are spread over {@link CpuThreads}. F32/F16/BF16 lines run through the
 * {@link FloatLanes} line kernels: a dense F32 line in place, a half-precision line staged in a
 * float buffer, and lines of a non-last axis staged BLOCK at a time (see forEachFloatLine). F64
 * lines run scalar loops in double.
 *
 * <p>Invariant: line {@code l} = o·inner + i is also the flat index of its result in a reduced
 * output, and its values sit at flat (o·n)·inner + i + k·inner in the input and in a same-shape
 * output. A contiguous copy made here is closed here.
 */
final class CpuReductions {
    /** Elements per task below which a thread is not worth waking. */
    private static final int GRAIN = 1 << 14;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private CpuReductions() {}

    /** A contiguous input cut into lines; {@link #close} frees the copy if one was made. */
    private record Lines(Tensor x, boolean owned, int outer, int n, int inner) implements AutoCloseable {
        static Lines of(Tensor input, int axis) {
            Tensor c = input.contiguous();
            return new Lines(c, c != input, OpChecks.outerSize(input.shape(), axis), input.dim(axis), OpChecks.innerSize(input.shape(), axis));
        }

        int count() { return Math.multiplyExact(outer, inner); }

        /** Flat (logical) index of value 0 of a line; add x.offset() for the physical index. */
        long flatStart(long line) { return (line / inner) * n * inner + line % inner; }

        int grain() { return Math.max(1, GRAIN / Math.max(1, n)); }

        /** True when lines are dense F32 runs that kernels can read in place. */
        boolean direct() { return x.dtype() == DType.F32 && inner == 1; }

        /** Stages a line into buf (or not, when direct) and returns the byte offset to read it at in {@link #segment}. */
        long load(long line, float[] buf) {
            long physical = x.offset() + flatStart(line);
            if (direct()) return physical * Float.BYTES;
            FloatRuns.read(x, physical, inner, buf, 0, n);
            return 0;
        }

        MemorySegment segment(MemorySegment staged) { return direct() ? x.segment() : staged; }

        double[] loadDouble(long line, double[] buf) {
            long physical = x.offset() + flatStart(line);
            MemorySegment s = x.segment();
            for (int k = 0; k < n; k++) buf[k] = s.getAtIndex(DOUBLE, physical + (long) k * inner);
            return buf;
        }

        @Override public void close() { if (owned) x.close(); }
    }

    /** Lines staged together when inner > 1: one dense run of BLOCK values per k fills a 64-byte cache line. */
    private static final int BLOCK = 16;

    @FunctionalInterface
    private interface LineBody { void run(int line, MemorySegment values, long at, float[] result, MemorySegment resultSegment); }

    /**
     * Runs {@code body} on each float line of [from, to); when {@code out} is given, the body's
     * {@code result} (n values) becomes that line of the same-shape output. With inner > 1 a
     * strided line would touch a new cache line per value, so BLOCK neighbouring lines are read
     * together as dense runs into a [n, BLOCK] tile and the body gets one column at a time.
     */
    private static void forEachFloatLine(Lines lines, int from, int to, Tensor out, LineBody body) {
        int n = lines.n, inner = lines.inner;
        float[] buf = new float[n], result = new float[out == null ? 0 : n];
        MemorySegment staged = MemorySegment.ofArray(buf), resultSegment = MemorySegment.ofArray(result);
        if (inner == 1) {
            MemorySegment values = lines.segment(staged);
            for (int l = from; l < to; l++) {
                body.run(l, values, lines.load(l, buf), result, resultSegment);
                if (out != null) FloatRuns.write(result, 0, out, lines.flatStart(l), n);
            }
            return;
        }
        float[] tile = new float[n * BLOCK], outTile = new float[out == null ? 0 : n * BLOCK];
        for (int l = from; l < to; ) {
            int width = Math.min(Math.min(BLOCK, to - l), inner - l % inner);
            long flat = lines.flatStart(l);
            for (int k = 0; k < n; k++) FloatRuns.read(lines.x, lines.x.offset() + flat + (long) k * inner, 1, tile, k * width, width);
            for (int b = 0; b < width; b++) {
                for (int k = 0; k < n; k++) buf[k] = tile[k * width + b];
                body.run(l + b, staged, 0, result, resultSegment);
                if (out != null) for (int k = 0; k < n; k++) outTile[k * width + b] = result[k];
            }
            if (out != null) for (int k = 0; k < n; k++) FloatRuns.write(outTile, k * width, out, flat + (long) k * inner, width);
            l += width;
        }
    }

    /** SUM of an empty axis is 0 and MEAN is NaN; MAX of an empty axis is an error; MAX propagates NaN. */
    public static Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim) {
        String name = "reduce " + op;
        OpChecks.requireFloat(name, x);
        int a = OpChecks.axis(name, x, axis);
        if (op == ReduceOp.MAX && x.dim(a) == 0) {
            throw new IllegalArgumentException(name + ": axis " + axis + " of " + OpChecks.describe(x) + " is empty");
        }
        Tensor out = Tensor.zeros(x.dtype(), OpChecks.reducedDims(x.shape(), a, keepDim));
        try (Lines lines = Lines.of(x, a)) {
            int n = lines.n;
            if (op != ReduceOp.MAX && x.dtype() == DType.F32 && lines.inner > 1) {
                sumColumns(lines, out, op == ReduceOp.MEAN);
                return out;
            }
            CpuThreads.parallelFor(lines.count(), lines.grain(), (from, to) -> {
                if (x.dtype() == DType.F64) {
                    double[] buf = new double[n];
                    for (int l = from; l < to; l++) {
                        lines.loadDouble(l, buf);
                        double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0;
                        for (int k = 0; k < n; k++) acc = op == ReduceOp.MAX ? Math.max(acc, buf[k]) : acc + buf[k];
                        out.segment().setAtIndex(DOUBLE, l, op == ReduceOp.MEAN ? acc / n : acc);
                    }
                    return;
                }
                float[] results = new float[to - from];
                forEachFloatLine(lines, from, to, null, (l, values, at, unused, unusedSegment) -> results[l - from] = switch (op) {
                    case SUM -> FloatLanes.sum(values, at, n);
                    case MEAN -> FloatLanes.sum(values, at, n) / n;
                    case MAX -> FloatLanes.max(values, at, n);
                });
                FloatRuns.write(results, 0, out, from, to - from);
            });
        }
        return out;
    }

    /** Columns of a non-last axis one task adds up: a few cache lines wide, so the accumulator stays in registers' reach. */
    private static final int COLUMN_CHUNK = 256;

    /**
     * SUM (or MEAN) of F32 over a non-last axis ([outer, n, inner] -> [outer, inner], e.g. a bias
     * gradient summed over the batch): each of the n rows of a column chunk is added into one
     * accumulator with vector adds, in one dense pass over the input. (Gathering each strided column
     * into a line first, as the other reductions do, made three passes with scalar copies.) Every
     * column adds its values in axis order, whatever the thread count.
     */
    private static void sumColumns(Lines lines, Tensor out, boolean mean) {
        int n = lines.n, inner = lines.inner, chunksPerBlock = (inner + COLUMN_CHUNK - 1) / COLUMN_CHUNK;
        MemorySegment x = lines.x.segment();
        long base = lines.x.offset();
        int tasks = Math.multiplyExact(lines.outer, chunksPerBlock);
        int grain = Math.max(1, GRAIN / Math.max(1, n * Math.min(inner, COLUMN_CHUNK)));
        CpuThreads.parallelFor(tasks, grain, (from, to) -> {
            float[] acc = new float[Math.min(inner, COLUMN_CHUNK)];
            MemorySegment accSegment = MemorySegment.ofArray(acc);
            for (int t = from; t < to; t++) {
                int o = t / chunksPerBlock, column = (t % chunksPerBlock) * COLUMN_CHUNK, width = Math.min(COLUMN_CHUNK, inner - column);
                java.util.Arrays.fill(acc, 0, width, 0f);
                long row = base + (long) o * n * inner + column;
                for (int k = 0; k < n; k++, row += inner) {
                    FloatLanes.binary(BinaryOp.ADD, accSegment, 0, x, row * Float.BYTES, accSegment, 0, width);
                }
                if (mean) for (int c = 0; c < width; c++) acc[c] /= n;
                FloatRuns.write(acc, 0, out, (long) o * inner + column, width);
            }
        });
    }

    /** The first maximum wins; a NaN counts as larger than every number. */
    public static Tensor argmax(Tensor x, int axis) {
        if (x.dtype().isFloating() && !OpChecks.isComputeFloat(x.dtype())) {
            throw new IllegalArgumentException("argmax: input " + OpChecks.describe(x) + " has an unsupported dtype");
        }
        int a = OpChecks.axis("argmax", x, axis);
        if (x.dim(a) == 0) throw new IllegalArgumentException("argmax: axis " + axis + " of " + OpChecks.describe(x) + " is empty");
        Tensor out = Tensor.zeros(DType.I64, OpChecks.reducedDims(x.shape(), a, false));
        boolean floatLanes = x.dtype() == DType.F32 || x.dtype() == DType.F16 || x.dtype() == DType.BF16;
        try (Lines lines = Lines.of(x, a)) {
            int n = lines.n;
            CpuThreads.parallelFor(lines.count(), lines.grain(), (from, to) -> {
                MemorySegment o = out.segment();
                if (floatLanes) {
                    forEachFloatLine(lines, from, to, null, (l, values, at, unused, unusedSegment) ->
                            o.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, l, firstMaxFloat(values, at, n)));
                } else {
                    for (int l = from; l < to; l++) o.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, l, firstMaxDecoded(lines, l));
                }
            });
        }
        return out;
    }

    /** The vector max finds the value; a scalar scan finds its first position (NaN: the first NaN). */
    private static int firstMaxFloat(MemorySegment s, long at, int n) {
        float max = FloatLanes.max(s, at, n);
        for (int k = 0; k < n; k++) {
            float v = s.get(FloatLanes.FLOAT, at + (long) k * Float.BYTES);
            if (v == max || Float.isNaN(max) && Float.isNaN(v)) return k;
        }
        return 0;
    }

    /** F64 and integer dtypes: the Reference rule, element by element. */
    private static int firstMaxDecoded(Lines lines, long line) {
        long physical = lines.x.offset() + lines.flatStart(line);
        DType d = lines.x.dtype();
        int best = 0;
        double bestValue = d.decode(lines.x.bitsAt(physical));
        for (int k = 1; k < lines.n && !Double.isNaN(bestValue); k++) {
            double v = d.decode(lines.x.bitsAt(physical + (long) k * lines.inner));
            if (v > bestValue || Double.isNaN(v)) {
                best = k;
                bestValue = v;
            }
        }
        return best;
    }

    public static Tensor softmax(Tensor x, int axis) { return softmax("softmax", x, axis, false); }

    public static Tensor logSoftmax(Tensor x, int axis) { return softmax("logSoftmax", x, axis, true); }

    /** Max-subtracted: softmax = e^(x−m)/Σe^(x−m), log-softmax = (x − m) − ln Σe^(x−m). */
    private static Tensor softmax(String name, Tensor x, int axis, boolean log) {
        OpChecks.requireFloat(name, x);
        int a = OpChecks.axis(name, x, axis);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        try (Lines lines = Lines.of(x, a)) {
            int n = lines.n;
            CpuThreads.parallelFor(lines.count(), lines.grain(), (from, to) -> {
                if (x.dtype() == DType.F64) {
                    double[] buf = new double[n];
                    for (int l = from; l < to; l++) {
                        lines.loadDouble(l, buf);
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        for (int k = 0; k < n; k++) max = Math.max(max, buf[k]);
                        for (int k = 0; k < n; k++) sum += Math.exp(buf[k] - max);
                        double logSum = Math.log(sum);
                        long start = lines.flatStart(l);
                        for (int k = 0; k < n; k++) {
                            double y = log ? buf[k] - max - logSum : Math.exp(buf[k] - max) / sum;
                            out.segment().setAtIndex(DOUBLE, start + (long) k * lines.inner, y);
                        }
                    }
                    return;
                }
                forEachFloatLine(lines, from, to, out, (l, values, at, result, resultSegment) -> {
                    float max = FloatLanes.max(values, at, n);
                    float sum = FloatLanes.expShifted(values, at, max, resultSegment, 0, n);
                    if (log) FloatLanes.subtractTwice(values, at, max, (float) Math.log(sum), resultSegment, 0, n);
                    else FloatLanes.affine(resultSegment, 0, 1f / sum, 0f, resultSegment, 0, n);
                });
            });
        }
        return out;
    }

    /** Two-pass mean and biased variance per row of the last axis. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        OpChecks.checkLayerNorm(x, weight, bias);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        try (Lines lines = Lines.of(x, x.rank() - 1)) {
            int c = lines.n;
            if (x.dtype() == DType.F64) {
                double[] w = parameter(weight, c, 1.0), b = parameter(bias, c, 0.0);
                CpuThreads.parallelFor(lines.count(), lines.grain(), (from, to) -> {
                    double[] row = new double[c];
                    for (int l = from; l < to; l++) {
                        lines.loadDouble(l, row);
                        double mean = 0, var = 0;
                        for (int k = 0; k < c; k++) mean += row[k];
                        mean /= c;
                        for (int k = 0; k < c; k++) var += (row[k] - mean) * (row[k] - mean);
                        double inv = 1.0 / Math.sqrt(var / c + eps);
                        for (int k = 0; k < c; k++) out.segment().setAtIndex(DOUBLE, (long) l * c + k, (row[k] - mean) * inv * w[k] + b[k]);
                    }
                });
                return out;
            }
            float[] w = floatParameter(weight, c, 1f), b = floatParameter(bias, c, 0f);
            CpuThreads.parallelFor(lines.count(), lines.grain(), (from, to) -> {
                float[] buf = new float[c], result = new float[c];
                MemorySegment staged = lines.segment(MemorySegment.ofArray(buf)), resultSegment = MemorySegment.ofArray(result);
                for (int l = from; l < to; l++) {
                    long at = lines.load(l, buf);
                    float mean = FloatLanes.sum(staged, at, c) / c;
                    float var = FloatLanes.squaredDeviations(staged, at, mean, c) / c;
                    float inv = (float) (1.0 / Math.sqrt(var + eps));
                    if (out.dtype() == DType.F32) {
                        FloatLanes.normalize(staged, at, mean, inv, w, b, out.segment(), (long) l * c * Float.BYTES, c);
                    } else {
                        FloatLanes.normalize(staged, at, mean, inv, w, b, resultSegment, 0, c);
                        FloatRuns.write(result, 0, out, (long) l * c, c);
                    }
                }
            });
        }
        return out;
    }

    private static double[] parameter(Tensor p, int c, double absent) {
        double[] v = new double[c];
        for (int k = 0; k < c; k++) v[k] = p == null ? absent : p.getDouble(k);
        return v;
    }

    private static float[] floatParameter(Tensor p, int c, float absent) {
        float[] v = new float[c];
        if (p == null) java.util.Arrays.fill(v, absent);
        else FloatRuns.read(p, p.offset(), p.stride(0), v, 0, c);
        return v;
    }
}
