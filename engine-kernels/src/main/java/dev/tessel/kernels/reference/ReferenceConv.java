package dev.tessel.kernels.reference;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Convolution and resampling of the Reference backend: the oracle the fast backends are tested
 * against. Every op reads its inputs element by element as doubles (any strided view, any float
 * dtype), runs the textbook loop in double, and encodes the result once in the input dtype.
 *
 * <p>Invariant: these loops stay obviously right, so they follow the definitions literally —
 * conv2d is the cross-correlation y[b,o,i,j] = bias[o] + sum_{c,u,v} x[b,c,i+u-p,j+v-p] W[o,c,u,v]
 * with p = (k-1)/2 and zero outside the image; each gradient is the chain rule of that sum,
 * not a re-use of the forward. No speed tricks belong here.
 */
final class ReferenceConv {
    private ReferenceConv() {}

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        checkConv("conv2d", x, weight);
        int batch = x.dim(0), cin = x.dim(1), h = x.dim(2), w = x.dim(3), cout = weight.dim(0), k = weight.dim(2);
        if (bias != null && (bias.dtype() != x.dtype() || bias.rank() != 1 || bias.dim(0) != cout)) {
            throw new IllegalArgumentException("conv2d: bias " + bias.dtype() + bias.shape() + " does not match weight "
                    + weight.dtype() + weight.shape() + " (need [" + cout + "] of " + x.dtype() + ")");
        }
        int pad = (k - 1) / 2;
        double[] xs = x.toDoubleArray(), ws = weight.toDoubleArray();
        double[] y = new double[batch * cout * h * w];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < cout; o++) {
                double bo = bias == null ? 0 : bias.getDouble(o);
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        double sum = bo;
                        for (int c = 0; c < cin; c++) {
                            for (int u = 0; u < k; u++) {
                                int r = i + u - pad;
                                if (r < 0 || r >= h) continue;
                                for (int v = 0; v < k; v++) {
                                    int s = j + v - pad;
                                    if (s < 0 || s >= w) continue;
                                    sum += xs[((b * cin + c) * h + r) * w + s] * ws[((o * cin + c) * k + u) * k + v];
                                }
                            }
                        }
                        y[((b * cout + o) * h + i) * w + j] = sum;
                    }
                }
            }
        }
        return Tensor.fromDoubles(x.dtype(), y, batch, cout, h, w);
    }

    /** dL/dx[b,c,r,s] = sum over the outputs (o,i,j) that read x[b,c,r,s] of gradOut[b,o,i,j] W[o,c,r-i+p,s-j+p]. */
    public static Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight) {
        checkConv("conv2dBackwardInput", gradOut, weight);
        if (gradOut.dim(1) != weight.dim(0)) {
            throw new IllegalArgumentException("conv2dBackwardInput: gradOut " + gradOut.shape() + " has " + gradOut.dim(1)
                    + " channels but weight " + weight.shape() + " has " + weight.dim(0) + " outputs");
        }
        int batch = gradOut.dim(0), cout = gradOut.dim(1), h = gradOut.dim(2), w = gradOut.dim(3);
        int cin = weight.dim(1), k = weight.dim(2), pad = (k - 1) / 2;
        double[] gs = gradOut.toDoubleArray(), ws = weight.toDoubleArray();
        double[] gx = new double[batch * cin * h * w];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < cout; o++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        double g = gs[((b * cout + o) * h + i) * w + j];
                        for (int c = 0; c < cin; c++) {
                            for (int u = 0; u < k; u++) {
                                int r = i + u - pad;
                                if (r < 0 || r >= h) continue;
                                for (int v = 0; v < k; v++) {
                                    int s = j + v - pad;
                                    if (s < 0 || s >= w) continue;
                                    gx[((b * cin + c) * h + r) * w + s] += g * ws[((o * cin + c) * k + u) * k + v];
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor.fromDoubles(gradOut.dtype(), gx, batch, cin, h, w);
    }

    /** dL/dW[o,c,u,v] = sum_{b,i,j} gradOut[b,o,i,j] x[b,c,i+u-p,j+v-p]. */
    public static Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, int kernel) {
        String op = "conv2dBackwardWeight";
        checkImage(op, "x", x);
        checkImage(op, "gradOut", gradOut);
        if (x.dtype() != gradOut.dtype() || x.dim(0) != gradOut.dim(0) || x.dim(2) != gradOut.dim(2) || x.dim(3) != gradOut.dim(3)) {
            throw new IllegalArgumentException(op + ": x " + x.dtype() + x.shape() + " and gradOut " + gradOut.dtype() + gradOut.shape()
                    + " must share dtype, batch and H, W");
        }
        if (kernel < 1 || kernel % 2 == 0) throw new IllegalArgumentException(op + ": kernel " + kernel + " must be odd and positive");
        int batch = x.dim(0), cin = x.dim(1), h = x.dim(2), w = x.dim(3), cout = gradOut.dim(1), k = kernel, pad = (k - 1) / 2;
        double[] xs = x.toDoubleArray(), gs = gradOut.toDoubleArray();
        double[] gw = new double[cout * cin * k * k];
        for (int o = 0; o < cout; o++) {
            for (int c = 0; c < cin; c++) {
                for (int u = 0; u < k; u++) {
                    for (int v = 0; v < k; v++) {
                        double sum = 0;
                        for (int b = 0; b < batch; b++) {
                            for (int i = 0; i < h; i++) {
                                int r = i + u - pad;
                                if (r < 0 || r >= h) continue;
                                for (int j = 0; j < w; j++) {
                                    int s = j + v - pad;
                                    if (s < 0 || s >= w) continue;
                                    sum += gs[((b * cout + o) * h + i) * w + j] * xs[((b * cin + c) * h + r) * w + s];
                                }
                            }
                        }
                        gw[((o * cin + c) * k + u) * k + v] = sum;
                    }
                }
            }
        }
        return Tensor.fromDoubles(x.dtype(), gw, cout, cin, k, k);
    }

    public static Tensor maxPool2x2(Tensor x) {
        checkPoolable("maxPool2x2", x);
        int planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
        double[] xs = x.toDoubleArray();
        double[] y = new double[planes * (h / 2) * (w / 2)];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < h / 2; i++) {
                for (int j = 0; j < w / 2; j++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int di = 0; di < 2; di++) {
                        for (int dj = 0; dj < 2; dj++) m = Math.max(m, xs[(p * h + 2 * i + di) * w + 2 * j + dj]);
                    }
                    y[(p * (h / 2) + i) * (w / 2) + j] = m;
                }
            }
        }
        return Tensor.fromDoubles(x.dtype(), y, x.dim(0), x.dim(1), h / 2, w / 2);
    }

    /** Each window's gradient goes to its first maximum in row-major window order; NaN counts as the maximum. */
    public static Tensor maxPool2x2Backward(Tensor x, Tensor gradOut) {
        checkPoolable("maxPool2x2Backward", x);
        int h = x.dim(2), w = x.dim(3);
        if (gradOut.dtype() != x.dtype() || gradOut.rank() != 4 || gradOut.dim(0) != x.dim(0) || gradOut.dim(1) != x.dim(1)
                || gradOut.dim(2) != h / 2 || gradOut.dim(3) != w / 2) {
            throw new IllegalArgumentException("maxPool2x2Backward: gradOut " + gradOut.dtype() + gradOut.shape()
                    + " does not match the pooled shape of x " + x.dtype() + x.shape());
        }
        int planes = x.dim(0) * x.dim(1);
        double[] xs = x.toDoubleArray(), gs = gradOut.toDoubleArray();
        double[] gx = new double[xs.length];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < h / 2; i++) {
                for (int j = 0; j < w / 2; j++) {
                    int best = -1;
                    for (int di = 0; di < 2; di++) {
                        for (int dj = 0; dj < 2; dj++) {
                            int at = (p * h + 2 * i + di) * w + 2 * j + dj;
                            if (best < 0 || xs[at] > xs[best] || (Double.isNaN(xs[at]) && !Double.isNaN(xs[best]))) best = at;
                        }
                    }
                    gx[best] = gs[(p * (h / 2) + i) * (w / 2) + j];
                }
            }
        }
        return Tensor.fromDoubles(x.dtype(), gx, x.shape().toArray());
    }

    public static Tensor upsampleNearest2x(Tensor x) {
        checkImage("upsampleNearest2x", "x", x);
        int planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
        double[] xs = x.toDoubleArray();
        double[] y = new double[planes * 4 * h * w];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < 2 * h; i++) {
                for (int j = 0; j < 2 * w; j++) y[(p * 2 * h + i) * 2 * w + j] = xs[(p * h + i / 2) * w + j / 2];
            }
        }
        return Tensor.fromDoubles(x.dtype(), y, x.dim(0), x.dim(1), 2 * h, 2 * w);
    }

    public static Tensor upsampleNearest2xBackward(Tensor gradOut) {
        checkPoolable("upsampleNearest2xBackward", gradOut);
        int planes = gradOut.dim(0) * gradOut.dim(1), h = gradOut.dim(2), w = gradOut.dim(3);
        double[] gs = gradOut.toDoubleArray();
        double[] gx = new double[planes * (h / 2) * (w / 2)];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) gx[(p * (h / 2) + i / 2) * (w / 2) + j / 2] += gs[(p * h + i) * w + j];
            }
        }
        return Tensor.fromDoubles(gradOut.dtype(), gx, gradOut.dim(0), gradOut.dim(1), h / 2, w / 2);
    }

    // ---------------------------------------------------------------- validation

    private static void checkConv(String op, Tensor image, Tensor weight) {
        checkImage(op, "input", image);
        if (weight.dtype() != image.dtype() || weight.rank() != 4 || weight.dim(2) != weight.dim(3) || weight.dim(2) % 2 == 0) {
            throw new IllegalArgumentException(op + ": weight " + weight.dtype() + weight.shape()
                    + " must be [Cout,Cin,k,k] with odd k and the dtype of input " + image.dtype() + image.shape());
        }
        int channels = op.equals("conv2d") ? weight.dim(1) : weight.dim(0);
        if (image.dim(1) != channels) {
            throw new IllegalArgumentException(op + ": input " + image.shape() + " has " + image.dim(1)
                    + " channels but weight " + weight.shape() + " expects " + channels);
        }
    }

    private static void checkImage(String op, String role, Tensor t) {
        DType d = t.dtype();
        if (t.rank() != 4 || !(d == DType.F64 || d == DType.F32 || d == DType.F16 || d == DType.BF16)) {
            throw new IllegalArgumentException(op + ": " + role + " " + d + t.shape() + " must be a float NCHW tensor [B,C,H,W]");
        }
    }

    private static void checkPoolable(String op, Tensor x) {
        checkImage(op, "input", x);
        if (x.dim(2) % 2 != 0 || x.dim(3) % 2 != 0) {
            throw new IllegalArgumentException(op + ": input " + x.dtype() + x.shape() + " needs even H and W");
        }
    }
}
