package dev.tessel.kernels.cpu.conv;

import dev.tessel.kernels.cpu.CpuThreads;

/**
 * 2x2 max-pooling and nearest 2x upsampling (and their gradients) over contiguous NCHW planes,
 * in float (F32, and F16/BF16 widened to it) and in double (F64), split across threads by plane.
 *
 * <p>Invariant: {@code planes} = B*C; each plane is h x w at offset plane*h*w; pooling needs even
 * h and w (checked by the caller). A window's gradient goes to its first maximum in row-major
 * window order, with NaN counted as the maximum (it is what the forward returns).
 */
public final class Resample {
    private static final int PLANE_GRAIN = 8;

    private Resample() {}

    /** Index within the window (0..3, row-major) of the first maximum; NaN wins over numbers. */
    private static int firstMax(float a, float b, float c, float d) {
        int best = 0;
        float m = a;
        if (b > m || (b != b && m == m)) { best = 1; m = b; }
        if (c > m || (c != c && m == m)) { best = 2; m = c; }
        if (d > m || (d != d && m == m)) { best = 3; }
        return best;
    }

    private static int firstMax(double a, double b, double c, double d) {
        int best = 0;
        double m = a;
        if (b > m || (b != b && m == m)) { best = 1; m = b; }
        if (c > m || (c != c && m == m)) { best = 2; m = c; }
        if (d > m || (d != d && m == m)) { best = 3; }
        return best;
    }

    public static float[] maxPool(float[] x, int planes, int h, int w) {
        int oh = h / 2, ow = w / 2;
        float[] y = new float[planes * oh * ow];
        CpuThreads.parallelFor(planes, PLANE_GRAIN, (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    int top = (p * h + 2 * i) * w, out = (p * oh + i) * ow;
                    for (int j = 0; j < ow; j++) {
                        int t = top + 2 * j;
                        float a = x[t], b = x[t + 1], c = x[t + w], d = x[t + w + 1];
                        int at = firstMax(a, b, c, d);
                        y[out + j] = at == 0 ? a : at == 1 ? b : at == 2 ? c : d;
                    }
                }
            }
        });
        return y;
    }

    public static double[] maxPool(double[] x, int planes, int h, int w) {
        int oh = h / 2, ow = w / 2;
        double[] y = new double[planes * oh * ow];
        CpuThreads.parallelFor(planes, PLANE_GRAIN, (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    int top = (p * h + 2 * i) * w, out = (p * oh + i) * ow;
                    for (int j = 0; j < ow; j++) {
                        int t = top + 2 * j;
                        double a = x[t], b = x[t + 1], c = x[t + w], d = x[t + w + 1];
                        int at = firstMax(a, b, c, d);
                        y[out + j] = at == 0 ? a : at == 1 ? b : at == 2 ? c : d;
                    }
                }
            }
        });
        return y;
    }

    public static float[] maxPoolBackward(float[] x, float[] gradOut, int planes, int h, int w) {
        int oh = h / 2, ow = w / 2;
        float[] gx = new float[x.length];
        CpuThreads.parallelFor(planes, PLANE_GRAIN, (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    int top = (p * h + 2 * i) * w, out = (p * oh + i) * ow;
                    for (int j = 0; j < ow; j++) {
                        int t = top + 2 * j;
                        int at = firstMax(x[t], x[t + 1], x[t + w], x[t + w + 1]);
                        gx[t + (at >> 1) * w + (at & 1)] = gradOut[out + j];
                    }
                }
            }
        });
        return gx;
    }

    public static double[] maxPoolBackward(double[] x, double[] gradOut, int planes, int h, int w) {
        int oh = h / 2, ow = w / 2;
        double[] gx = new double[x.length];
        CpuThreads.parallelFor(planes, PLANE_GRAIN, (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    int top = (p * h + 2 * i) * w, out = (p * oh + i) * ow;
                    for (int j = 0; j < ow; j++) {
                        int t = top + 2 * j;
                        int at = firstMax(x[t], x[t + 1], x[t + w], x[t + w + 1]);
                        gx[t + (at >> 1) * w + (at & 1)] = gradOut[out + j];
                    }
                }
            }
        });
        return gx;
    }

    /** [planes, h, w] -> [planes, 2h, 2w]. */
    public static float[] upsample(float[] x, int planes, int h, int w) {
        float[] y = new float[planes * 4 * h * w];
        CpuThreads.parallelFor(planes, PLANE_GRAIN, (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < h; i++) {
                    int src = (p * h + i) * w, row = (p * 2 * h + 2 * i) * 2 * w;
                    for (int j = 0; j < w; j++) y[row + 2 * j] = y[row + 2 * j + 1] = x[src + j];
                    System.arraycopy(y, row, y, row + 2 * w, 2 * w);
                }
            }
        });
        return y;
    }

    public static double[] upsample(double[] x, int planes, int h, int w) {
        double[] y = new double[planes * 4 * h * w];
        CpuThreads.parallelFor(planes, PLANE_GRAIN, (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < h; i++) {
                    int src = (p * h + i) * w, row = (p * 2 * h + 2 * i) * 2 * w;
                    for (int j = 0; j < w; j++) y[row + 2 * j] = y[row + 2 * j + 1] = x[src + j];
                    System.arraycopy(y, row, y, row + 2 * w, 2 * w);
                }
            }
        });
        return y;
    }

    /** [planes, h, w] (h, w even) -> [planes, h/2, w/2], each output the sum of its 2x2 block. */
    public static float[] upsampleBackward(float[] g, int planes, int h, int w) {
        int oh = h / 2, ow = w / 2;
        float[] gx = new float[planes * oh * ow];
        CpuThreads.parallelFor(planes, PLANE_GRAIN, (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    int top = (p * h + 2 * i) * w, out = (p * oh + i) * ow;
                    for (int j = 0; j < ow; j++) {
                        int t = top + 2 * j;
                        gx[out + j] = (g[t] + g[t + 1]) + (g[t + w] + g[t + w + 1]);
                    }
                }
            }
        });
        return gx;
    }

    public static double[] upsampleBackward(double[] g, int planes, int h, int w) {
        int oh = h / 2, ow = w / 2;
        double[] gx = new double[planes * oh * ow];
        CpuThreads.parallelFor(planes, PLANE_GRAIN, (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    int top = (p * h + 2 * i) * w, out = (p * oh + i) * ow;
                    for (int j = 0; j < ow; j++) {
                        int t = top + 2 * j;
                        gx[out + j] = (g[t] + g[t + 1]) + (g[t + w] + g[t + w + 1]);
                    }
                }
            }
        });
        return gx;
    }
}
