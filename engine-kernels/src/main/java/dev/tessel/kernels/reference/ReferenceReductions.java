package dev.tessel.kernels.reference;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Reductions and normalisations of the Reference backend, in double.
 *
 * <p>Every op views its input as [outer, n, inner] around the reduced axis: element (o, k, i)
 * is at logical flat index (o·n + k)·inner + i. Invariant: read through that index only, so any
 * strided view works; results are rounded once into the input dtype.
 */
final class ReferenceReductions {
    private ReferenceReductions() {}

    /** SUM of an empty axis is 0 and MEAN is NaN; MAX of an empty axis is an error. MAX propagates NaN. */
    public static Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim) {
        String name = "reduce " + op;
        OpChecks.requireFloat(name, x);
        int a = OpChecks.axis(name, x, axis);
        int n = x.dim(a), outer = OpChecks.outerSize(x.shape(), a), inner = OpChecks.innerSize(x.shape(), a);
        if (op == ReduceOp.MAX && n == 0) {
            throw new IllegalArgumentException(name + ": axis " + axis + " of " + OpChecks.describe(x) + " is empty");
        }
        Tensor out = Tensor.zeros(x.dtype(), OpChecks.reducedDims(x.shape(), a, keepDim));
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0.0;
                for (int k = 0; k < n; k++) {
                    double v = x.getDouble(flat(o, k, i, n, inner));
                    acc = op == ReduceOp.MAX ? Math.max(acc, v) : acc + v;
                }
                if (op == ReduceOp.MEAN) acc /= n;
                out.setBitsAt((long) o * inner + i, ScalarMath.encode(x.dtype(), acc));
            }
        }
        return out;
    }

    /** The first maximum wins; a NaN counts as larger than every number (NumPy and PyTorch agree). */
    public static Tensor argmax(Tensor x, int axis) {
        if (x.dtype().isFloating() && !OpChecks.isComputeFloat(x.dtype())) {
            throw new IllegalArgumentException("argmax: input " + OpChecks.describe(x) + " has an unsupported dtype");
        }
        int a = OpChecks.axis("argmax", x, axis);
        int n = x.dim(a), outer = OpChecks.outerSize(x.shape(), a), inner = OpChecks.innerSize(x.shape(), a);
        if (n == 0) throw new IllegalArgumentException("argmax: axis " + axis + " of " + OpChecks.describe(x) + " is empty");
        Tensor out = Tensor.zeros(DType.I64, OpChecks.reducedDims(x.shape(), a, false));
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int best = 0;
                double bestValue = x.getDouble(flat(o, 0, i, n, inner));
                for (int k = 1; k < n && !Double.isNaN(bestValue); k++) {
                    double v = x.getDouble(flat(o, k, i, n, inner));
                    if (v > bestValue || Double.isNaN(v)) {
                        best = k;
                        bestValue = v;
                    }
                }
                out.setBitsAt((long) o * inner + i, best);
            }
        }
        return out;
    }

    public static Tensor softmax(Tensor x, int axis) { return softmax("softmax", x, axis, false); }

    public static Tensor logSoftmax(Tensor x, int axis) { return softmax("logSoftmax", x, axis, true); }

    /** Max-subtracted, so exp never overflows: softmax = e^(x−m)/Σe^(x−m), log-softmax = x − m − ln Σe^(x−m). */
    private static Tensor softmax(String name, Tensor x, int axis, boolean log) {
        OpChecks.requireFloat(name, x);
        int a = OpChecks.axis(name, x, axis);
        int n = x.dim(a), outer = OpChecks.outerSize(x.shape(), a), inner = OpChecks.innerSize(x.shape(), a);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        double[] row = new double[n];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < n; k++) {
                    row[k] = x.getDouble(flat(o, k, i, n, inner));
                    max = Math.max(max, row[k]);
                }
                double sum = 0;
                for (int k = 0; k < n; k++) sum += Math.exp(row[k] - max);
                double logSum = Math.log(sum);
                for (int k = 0; k < n; k++) {
                    double y = log ? row[k] - max - logSum : Math.exp(row[k] - max) / sum;
                    out.setBitsAt(flat(o, k, i, n, inner), ScalarMath.encode(x.dtype(), y));
                }
            }
        }
        return out;
    }

    /** Two-pass mean and biased variance per row of the last axis. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        OpChecks.checkLayerNorm(x, weight, bias);
        int c = x.dim(-1);
        long rows = x.numel() / Math.max(1, c);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        double[] row = new double[c];
        for (long r = 0; r < rows; r++) {
            double mean = loadRow(x, r, row);
            double inv = inverseDeviation(row, mean, eps);
            for (int k = 0; k < c; k++) {
                double y = (row[k] - mean) * inv;
                if (weight != null) y *= weight.getDouble(k);
                if (bias != null) y += bias.getDouble(k);
                out.setBitsAt(r * c + k, ScalarMath.encode(x.dtype(), y));
            }
        }
        return out;
    }

    /** Reads row {@code r} of the last axis into {@code row}; returns its mean. */
    private static double loadRow(Tensor x, long r, double[] row) {
        int c = row.length;
        double mean = 0;
        for (int k = 0; k < c; k++) {
            row[k] = x.getDouble(r * c + k);
            mean += row[k];
        }
        return mean / c;
    }

    /** 1 / sqrt(biased variance + eps) of a row whose mean is {@code mean} (the second pass). */
    private static double inverseDeviation(double[] row, double mean, double eps) {
        double var = 0;
        for (double v : row) var += (v - mean) * (v - mean);
        return 1.0 / Math.sqrt(var / row.length + eps);
    }

    /** The gradients of layerNorm (Backend.layerNormBackward), in double, one rounding into x's dtype. */
    public static Tensor[] layerNormBackward(Tensor x, Tensor weight, Tensor gradOut, double eps) {
        OpChecks.checkLayerNormBackward(x, weight, gradOut);
        int c = x.dim(-1);
        long rows = x.numel() / Math.max(1, c);
        Tensor dx = Tensor.zeros(x.dtype(), x.shape());
        double[] row = new double[c], d = new double[c], dWeight = new double[c], dBias = new double[c];
        for (long r = 0; r < rows; r++) {
            double mean = loadRow(x, r, row);
            double rstd = inverseDeviation(row, mean, eps);
            double meanD = 0, meanDXhat = 0;
            for (int k = 0; k < c; k++) {
                double g = gradOut.getDouble(r * c + k), xhat = (row[k] - mean) * rstd;
                d[k] = weight == null ? g : g * weight.getDouble(k);
                meanD += d[k] / c;
                meanDXhat += d[k] * xhat / c;
                dWeight[k] += g * xhat;
                dBias[k] += g;
            }
            for (int k = 0; k < c; k++) {
                double xhat = (row[k] - mean) * rstd;
                dx.setBitsAt(r * c + k, ScalarMath.encode(x.dtype(), rstd * (d[k] - meanD - xhat * meanDXhat)));
            }
        }
        Tensor w = Tensor.zeros(x.dtype(), c), b = Tensor.zeros(x.dtype(), c);
        for (int k = 0; k < c; k++) {
            w.setBitsAt(k, ScalarMath.encode(x.dtype(), dWeight[k]));
            b.setBitsAt(k, ScalarMath.encode(x.dtype(), dBias[k]));
        }
        return new Tensor[] {dx, w, b};
    }

    private static long flat(int o, int k, int i, int n, int inner) { return ((long) o * n + k) * inner + i; }
}
