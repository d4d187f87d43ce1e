package dev.tessel.kernels.cpu;

import dev.tessel.kernels.AdamWStep;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.Unscaled;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.MomentFormat;
import dev.tessel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cpu mixed-precision training ops: the filtered gradient unscale and the fused AdamW step with
 * F32 or 16-bit (1-6-9 / 0-6-10) moments, in chunks over CpuThreads, computed in float.
 *
 * <p>Invariant: the AdamW float path follows engine-autograd's AdamW operation order (torch's),
 * so F32 moments give the same bits as that optimizer; F64 parameters (gradcheck-sized work)
 * run the Reference loop. Elements with a non-finite gradient are skipped and counted.
 */
final class CpuTraining {
    private static final int CHUNK = FloatRuns.CHUNK;
    private static final int GRAIN = 16;   // chunks per task
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final MomentCodec MEAN = new MomentCodec(MomentFormat.MEAN_1_6_9);
    private static final MomentCodec VAR = new MomentCodec(MomentFormat.VAR_0_6_10);

    private CpuTraining() {}

    @FunctionalInterface
    private interface ChunkBody { long run(int from, int length); }

    /** Runs body over [0, n) in CHUNK pieces on the pool; returns the sum of what the pieces return. */
    private static long chunks(long n, ChunkBody body) {
        int count = Math.toIntExact((n + CHUNK - 1) / CHUNK);
        AtomicLong total = new AtomicLong();
        CpuThreads.parallelFor(count, GRAIN, (c0, c1) -> {
            long sum = 0;
            for (int c = c0; c < c1; c++) {
                int from = c * CHUNK;
                sum += body.run(from, (int) Math.min(CHUNK, n - from));
            }
            total.addAndGet(sum);
        });
        return total.get();
    }

    /**
     * n moments from element index {@code at}: F32, or 16-bit codes decoded by {@code codec} (null
     * for F32). A skipped element is decoded and re-encoded unchanged: every code of the moment
     * formats survives the round trip (MomentCodec's invariant).
     */
    private static void readMoments(MemorySegment s, long at, MomentCodec codec, float[] dst, int n) {
        if (codec == null) {
            MemorySegment.copy(s, FLOAT, at * Float.BYTES, dst, 0, n);
            return;
        }
        short[] codes = new short[n];
        MemorySegment.copy(s, SHORT, at * Short.BYTES, codes, 0, n);
        for (int j = 0; j < n; j++) dst[j] = codec.decode(codes[j]);
    }

    /** The inverse of {@link #readMoments}: the floats, or their nearest-even codes. */
    private static void writeMoments(float[] src, MemorySegment s, long at, MomentCodec codec, int n) {
        if (codec == null) {
            MemorySegment.copy(src, 0, s, FLOAT, at * Float.BYTES, n);
            return;
        }
        short[] codes = new short[n];
        for (int j = 0; j < n; j++) codes[j] = codec.encode(src[j]);
        MemorySegment.copy(codes, 0, s, SHORT, at * Short.BYTES, n);
    }

    static Unscaled unscaleFilter(Tensor x, double scale) {
        Unscaled.check(x, scale);
        Tensor in = x.contiguous();
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        long base = in.offset();
        long nonFinite;
        if (x.dtype() == DType.F64) {
            double inverse = 1.0 / scale;
            MemorySegment src = in.segment(), dst = out.segment();
            nonFinite = chunks(x.numel(), (from, length) -> {
                long bad = 0;
                for (int j = from; j < from + length; j++) {
                    double v = src.getAtIndex(DOUBLE, base + j) * inverse;
                    if (!Double.isFinite(v)) {
                        v = 0;
                        bad++;
                    }
                    dst.setAtIndex(DOUBLE, j, v);
                }
                return bad;
            });
        } else {
            float inverse = (float) (1.0 / scale);
            float limit = Unscaled.overflowLimit(x.dtype());
            nonFinite = chunks(x.numel(), (from, length) -> {
                float[] buf = new float[length];
                FloatRuns.read(in, base + from, 1, buf, 0, length);
                long bad = 0;
                for (int j = 0; j < length; j++) {
                    float v = buf[j] * inverse;
                    // !(|v| < limit) is true for Inf, NaN and values that overflow the storage dtype.
                    if (!(Math.abs(v) < limit)) {
                        v = 0;
                        bad++;
                    }
                    buf[j] = v;
                }
                FloatRuns.write(buf, 0, out, from, length);
                return bad;
            });
        }
        if (in != x) in.close();
        return new Unscaled(out, nonFinite);
    }

    static long adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep h) {
        AdamWStep.check(param, grad, expAvg, expAvgSq);
        if (param.dtype() == DType.F64) return Backends.reference().adamwStep(param, grad, expAvg, expAvgSq, h);
        Tensor g = grad.contiguous();
        float decay = (float) h.decay(), b1 = (float) h.beta1(), b2 = (float) h.beta2();
        float oneMinusB1 = (float) (1 - h.beta1()), oneMinusB2 = (float) (1 - h.beta2());
        float bias2 = (float) h.bias2Sqrt(), eps = (float) h.eps(), negStep = (float) -h.stepSize(), clip = (float) h.varianceClip();
        MomentCodec meanCodec = expAvg.dtype() == DType.MEAN_1_6_9 ? MEAN : null, varCodec = expAvgSq.dtype() == DType.VAR_0_6_10 ? VAR : null;
        MemorySegment ms = expAvg.segment(), vs = expAvgSq.segment();
        long po = param.offset(), mo = expAvg.offset(), vo = expAvgSq.offset(), go = g.offset();
        long skipped = chunks(param.numel(), (from, length) -> {
            // Each chunk is read into arrays in bulk, updated in plain array code and written back:
            // a checked segment access per element (three reads, three writes) had cost more than
            // the arithmetic (an eighth of a mixed-precision transformer step).
            float[] gb = new float[length], pb = new float[length], mb = new float[length], vb = new float[length];
            FloatRuns.read(g, go + from, 1, gb, 0, length);
            FloatRuns.read(param, po + from, 1, pb, 0, length);   // F32 or F16 (a skipped element rounds back to itself)
            readMoments(ms, mo + from, meanCodec, mb, length);
            readMoments(vs, vo + from, varCodec, vb, length);
            long bad = 0;
            for (int j = 0; j < length; j++) {
                float gj = gb[j];
                if (!Float.isFinite(gj)) {
                    bad++;
                    continue;   // the element keeps its values (written back unchanged below)
                }
                float p = pb[j] * decay;
                float m = Math.fma(oneMinusB1, gj, mb[j] * b1);
                float v = vb[j] * b2 + oneMinusB2 * gj * gj;
                if (v > clip) v = clip;
                float denom = (float) Math.sqrt(v) / bias2 + eps;
                mb[j] = m;
                vb[j] = v;
                pb[j] = p + negStep * m / denom;
            }
            FloatRuns.write(pb, 0, param, po + from, length);
            writeMoments(mb, ms, mo + from, meanCodec, length);
            writeMoments(vb, vs, vo + from, varCodec, length);
            return bad;
        });
        if (g != grad) g.close();
        return skipped;
    }
}
