package dev.tessel.kernels.cpu.conv;

import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.kernels.cpu.LaneSum;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Direct stride-1 "same" 3x3 convolution (float32) for narrow layers, where im2col + GEMM wastes
 * most of its work: with 4 or 8 output channels the GEMM's 6-row micro-tiles are mostly padding
 * and each call packs more than it multiplies (the dVAE's bottleneck convolutions, 4 to 16
 * channels wide, ran at ~1 GFLOP/s against PyTorch's 2.5-4.5; docs/performance.md).
 *
 * <p>The trick that makes every loop a long unit-stride vector loop, whatever the image width: each
 * input plane is copied once into a zero-bordered plane of width W+2 ("padded"), and outputs are
 * computed in that same width, at t = i·(W+2) + j. Then the input under kernel tap (di, dj) of
 * output t is simply element t + di·(W+2) + dj: one shifted vector load per tap. The two extra
 * columns per row (and the lanes past the last row) are computed and thrown away.
 *
 * <ul>
 * <li>forward: per (image, block of 4 output channels), 4 vector accumulators over a chunk of t;
 *     each shifted input vector feeds 4 FMAs;
 * <li>input gradient: the forward over gradOut with the weight transposed and flipped (CpuConv);
 * <li>weight gradient: per (output channel, input channel), 9 vector accumulators (one per tap)
 *     over every image and chunk of gradOut, itself laid out padded with zeros in the two extra
 *     columns and past the last row, so the thrown-away lanes add exactly 0.
 * </ul>
 * Invariants: every output element is summed by one task in one fixed order (taps, then input
 * channels; images, then chunks, then lanes in index order), so results do not depend on the
 * thread count or timing. A lane reads past its own plane only when its output is thrown away.
 */
public final class DirectConv {
    /** The only kernel size of these loops (the weight gradient keeps one named accumulator per tap). */
    public static final int KERNEL = 3;
    /** Output channels per forward task: 4 accumulators share each shifted input load. */
    static final int CO_BLOCK = 4;
    /**
     * Layers with at most this many input or output channels take the direct loops: measured on
     * the dVAE's shapes (docs/performance.md), im2col + GEMM wins once both sides are wider.
     */
    public static final int NARROW = 16;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private DirectConv() {}

    /** Whether a k x k convolution from cin to cout channels takes these loops. */
    public static boolean applies(int cin, int cout, int k) {
        return k == KERNEL && Math.min(cin, cout) <= NARROW;
    }

    /**
     * [B][C] planes of (H+2) x (W+2) floats with a zero border; plane (b, c) starts at
     * {@link #plane}; each plane is followed by 2 slack floats and the array by a vector plus two
     * rows of slack, so the last chunk's shifted loads stay inside the array.
     */
    record Padded(float[] data, int batch, int channels, int h, int w) {
        int width() { return w + 2; }

        int planeStride() { return (h + 2) * width() + 2; }

        int plane(int b, int c) { return (b * channels + c) * planeStride(); }

        /** Outputs per plane in padded-width layout, rounded up to whole vectors. */
        int span() { return chunks(h * width()) * L; }

        static Padded of(MemorySegment src, long offset, int batch, int channels, int h, int w) {
            int width = w + 2, stride = (h + 2) * width + 2;
            float[] data = new float[batch * channels * stride + L + 2 * width + 2];
            Padded p = new Padded(data, batch, channels, h, w);
            CpuThreads.parallelFor(batch * channels, 8, (from, to) -> {
                for (int plane = from; plane < to; plane++) {
                    for (int i = 0; i < h; i++) {
                        long at = (offset + ((long) plane * h + i) * w) * Float.BYTES;
                        MemorySegment.copy(src, F, at, data, plane * stride + (i + 1) * width + 1, w);
                    }
                }
            });
            return p;
        }
    }

    private static int chunks(int n) { return (n + L - 1) / L; }

    /**
     * y [B,Cout,H,W] (contiguous F32 at element {@code yOffset}) = x (*) weight [Cout,Cin,3,3] + bias.
     * {@code x} is the contiguous F32 input at element {@code xOffset}; {@code bias} may be null.
     */
    public static void forward(MemorySegment x, long xOffset, float[] weight, float[] bias, MemorySegment y, long yOffset,
                               int batch, int cin, int cout, int h, int w) {
        forward(Padded.of(x, xOffset, batch, cin, h, w), weight, bias, cout, y, yOffset);
    }

    static void forward(Padded x, float[] weight, float[] bias, int cout, MemorySegment y, long yOffset) {
        int cin = x.channels(), h = x.h(), w = x.w(), width = x.width(), span = x.span();
        int blocks = (cout + CO_BLOCK - 1) / CO_BLOCK;
        float[] blocked = blockWeights(weight, cin, cout, blocks);
        float[] data = x.data();
        CpuThreads.parallelFor(x.batch() * blocks, 1, (from, to) -> {
            float[] out = new float[CO_BLOCK * span];
            for (int task = from; task < to; task++) {
                int b = task / blocks, block = task % blocks;
                float b0 = biasAt(bias, block * CO_BLOCK, cout), b1 = biasAt(bias, block * CO_BLOCK + 1, cout);
                float b2 = biasAt(bias, block * CO_BLOCK + 2, cout), b3 = biasAt(bias, block * CO_BLOCK + 3, cout);
                for (int t = 0; t < span; t += L) {
                    FloatVector a0 = FloatVector.broadcast(S, b0), a1 = FloatVector.broadcast(S, b1);
                    FloatVector a2 = FloatVector.broadcast(S, b2), a3 = FloatVector.broadcast(S, b3);
                    for (int c = 0; c < cin; c++) {
                        int base = x.plane(b, c) + t, wi = (block * cin + c) * 9 * CO_BLOCK;
                        for (int di = 0; di < KERNEL; di++) {
                            for (int dj = 0; dj < KERNEL; dj++, wi += CO_BLOCK) {
                                FloatVector v = FloatVector.fromArray(S, data, base + di * width + dj);
                                a0 = v.fma(FloatVector.broadcast(S, blocked[wi]), a0);
                                a1 = v.fma(FloatVector.broadcast(S, blocked[wi + 1]), a1);
                                a2 = v.fma(FloatVector.broadcast(S, blocked[wi + 2]), a2);
                                a3 = v.fma(FloatVector.broadcast(S, blocked[wi + 3]), a3);
                            }
                        }
                    }
                    a0.intoArray(out, t);
                    a1.intoArray(out, span + t);
                    a2.intoArray(out, 2 * span + t);
                    a3.intoArray(out, 3 * span + t);
                }
                for (int q = 0; q < CO_BLOCK && block * CO_BLOCK + q < cout; q++) {
                    long plane = yOffset + ((long) b * cout + block * CO_BLOCK + q) * h * w;
                    for (int i = 0; i < h; i++) MemorySegment.copy(out, q * span + i * width, y, F, (plane + (long) i * w) * Float.BYTES, w);
                }
            }
        });
    }

    private static float biasAt(float[] bias, int channel, int cout) { return bias == null || channel >= cout ? 0f : bias[channel]; }

    /** weight [Cout][Cin][3][3] as [block][Cin][tap][4 channels of the block], zero for channels past Cout. */
    private static float[] blockWeights(float[] weight, int cin, int cout, int blocks) {
        float[] out = new float[blocks * cin * 9 * CO_BLOCK];
        for (int o = 0; o < cout; o++) {
            for (int c = 0; c < cin; c++) {
                for (int tap = 0; tap < 9; tap++) out[((o / CO_BLOCK * cin + c) * 9 + tap) * CO_BLOCK + o % CO_BLOCK] = weight[(o * cin + c) * 9 + tap];
            }
        }
        return out;
    }

    /**
     * dW [Cout,Cin,3,3] = Σ over images and pixels of gradOut[b,o,i,j] · x[b,c,i+di-1,j+dj-1]
     * (zero outside the image); x and gradOut contiguous F32 at the given element offsets.
     */
    public static float[] backwardWeight(MemorySegment x, long xOffset, MemorySegment gradOut, long gOffset,
                                         int batch, int cin, int cout, int h, int w) {
        Padded input = Padded.of(x, xOffset, batch, cin, h, w);
        int width = input.width(), span = input.span();
        // gradOut in the padded-width layout, zero in the two extra columns and past the last row
        float[] grad = new float[batch * cout * span];
        CpuThreads.parallelFor(batch * cout, 8, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                for (int i = 0; i < h; i++) {
                    MemorySegment.copy(gradOut, F, (gOffset + ((long) plane * h + i) * w) * Float.BYTES, grad, plane * span + i * width, w);
                }
            }
        });
        float[] dw = new float[cout * cin * 9];
        float[] data = input.data();
        CpuThreads.parallelFor(cout * cin, 1, (from, to) -> {
            for (int pair = from; pair < to; pair++) {
                int o = pair / cin, c = pair % cin;
                FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00, a20 = a00, a21 = a00, a22 = a00;
                for (int b = 0; b < batch; b++) {
                    int g = (b * cout + o) * span, p = input.plane(b, c);
                    for (int t = 0; t < span; t += L) {
                        FloatVector d = FloatVector.fromArray(S, grad, g + t);
                        int r0 = p + t, r1 = r0 + width, r2 = r1 + width;
                        a00 = FloatVector.fromArray(S, data, r0).fma(d, a00);
                        a01 = FloatVector.fromArray(S, data, r0 + 1).fma(d, a01);
                        a02 = FloatVector.fromArray(S, data, r0 + 2).fma(d, a02);
                        a10 = FloatVector.fromArray(S, data, r1).fma(d, a10);
                        a11 = FloatVector.fromArray(S, data, r1 + 1).fma(d, a11);
                        a12 = FloatVector.fromArray(S, data, r1 + 2).fma(d, a12);
                        a20 = FloatVector.fromArray(S, data, r2).fma(d, a20);
                        a21 = FloatVector.fromArray(S, data, r2 + 1).fma(d, a21);
                        a22 = FloatVector.fromArray(S, data, r2 + 2).fma(d, a22);
                    }
                }
                // one call per accumulator: an array of the nine vectors would box them
                int at = pair * 9;
                dw[at] = LaneSum.ofPreferred(a00);
                dw[at + 1] = LaneSum.ofPreferred(a01);
                dw[at + 2] = LaneSum.ofPreferred(a02);
                dw[at + 3] = LaneSum.ofPreferred(a10);
                dw[at + 4] = LaneSum.ofPreferred(a11);
                dw[at + 5] = LaneSum.ofPreferred(a12);
                dw[at + 6] = LaneSum.ofPreferred(a20);
                dw[at + 7] = LaneSum.ofPreferred(a21);
                dw[at + 8] = LaneSum.ofPreferred(a22);
            }
        });
        return dw;
    }
}
