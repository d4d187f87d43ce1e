package dev.tessel.kernels.cpu.conv;

import dev.tessel.kernels.cpu.CpuThreads;

/**
 * The float64 convolution of the Cpu backend: direct loops over contiguous double arrays, split
 * across threads. F64 is the gradcheck dtype, so it is kept plain and exact rather than fast.
 *
 * <p>Invariant: arrays are contiguous NCHW ([B,C,H,W]) and weights [Cout,Cin,k,k]; stride 1,
 * zero "same" padding; each output element is written by exactly one thread.
 */
public final class ConvF64 {
    private ConvF64() {}

    /** y [B,Cout,H,W] = x [B,Cin,H,W] (*) weight + bias (bias may be null). */
    public static double[] conv2d(double[] x, double[] weight, double[] bias, int batch, int cin, int cout, int h, int w, int k) {
        int pad = (k - 1) / 2, hw = h * w;
        double[] y = new double[batch * cout * hw];
        CpuThreads.parallelFor(batch * cout, 1, (from, to) -> {
            for (int bo = from; bo < to; bo++) {
                int b = bo / cout, o = bo % cout;
                int yBase = bo * hw;
                if (bias != null) java.util.Arrays.fill(y, yBase, yBase + hw, bias[o]);
                for (int c = 0; c < cin; c++) {
                    int xBase = (b * cin + c) * hw;
                    for (int u = 0; u < k; u++) {
                        for (int v = 0; v < k; v++) {
                            double wv = weight[((o * cin + c) * k + u) * k + v];
                            int jLo = Math.max(0, pad - v), jHi = Math.min(w, w + pad - v);
                            for (int i = Math.max(0, pad - u); i < Math.min(h, h + pad - u); i++) {
                                int src = xBase + (i + u - pad) * w + v - pad, dst = yBase + i * w;
                                for (int j = jLo; j < jHi; j++) y[dst + j] += wv * x[src + j];
                            }
                        }
                    }
                }
            }
        });
        return y;
    }

    /** dW [Cout,Cin,k,k] = sum over b, i, j of gradOut[b,o,i,j] x[b,c,i+u-pad,j+v-pad]. */
    public static double[] backwardWeight(double[] x, double[] gradOut, int batch, int cin, int cout, int h, int w, int k) {
        int pad = (k - 1) / 2, hw = h * w;
        double[] gw = new double[cout * cin * k * k];
        CpuThreads.parallelFor(cout * cin, 1, (from, to) -> {
            for (int oc = from; oc < to; oc++) {
                int o = oc / cin, c = oc % cin;
                for (int u = 0; u < k; u++) {
                    for (int v = 0; v < k; v++) {
                        int jLo = Math.max(0, pad - v), jHi = Math.min(w, w + pad - v);
                        double sum = 0;
                        for (int b = 0; b < batch; b++) {
                            int gBase = (b * cout + o) * hw, xBase = (b * cin + c) * hw;
                            for (int i = Math.max(0, pad - u); i < Math.min(h, h + pad - u); i++) {
                                int g = gBase + i * w, src = xBase + (i + u - pad) * w + v - pad;
                                for (int j = jLo; j < jHi; j++) sum += gradOut[g + j] * x[src + j];
                            }
                        }
                        gw[(oc * k + u) * k + v] = sum;
                    }
                }
            }
        });
        return gw;
    }
}
