package dev.tessel.kernels.cpu;

import dev.tessel.kernels.reference.ReferenceGumbelSoftmax;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Gumbel-softmax on the Cpu backend: the same maths as {@link ReferenceGumbelSoftmax}, in float on
 * dense arrays, split over the outer index with {@link CpuThreads}. The inner loops run along the
 * contiguous trailing axes (for NCHW logits with axis 1: over H·W), so they stay unit-stride; the
 * forward runs them as Vector API lanes (log, exp included), with a scalar tail.
 * F64 (gradcheck precision) runs the reference loops, which already compute in double.
 */
final class CpuGumbelSoftmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private CpuGumbelSoftmax() {}

    static Tensor forward(Tensor logits, Tensor u, double tau, int axis) {
        if (logits.dtype() == DType.F64) return ReferenceGumbelSoftmax.forward(logits, u, tau, axis);
        check("gumbelSoftmax", "logits", logits, "u", u, tau);
        int a = logits.shape().normalizeAxis(axis);
        int outer = outer(logits, a), n = logits.dim(a), inner = inner(logits, a);
        float[] z = CpuFloatArrays.read(logits), noise = CpuFloatArrays.read(u);
        float invTau = (float) (1.0 / tau);
        CpuThreads.parallelFor(outer, 1, (from, to) -> {
            float[] max = new float[inner], sum = new float[inner];
            for (int o = from; o < to; o++) softmaxOfNoisy(z, noise, o * n * inner, n, inner, invTau, max, sum);
        });
        return CpuFloatArrays.write(z, logits.dtype(), logits.shape().toArray());
    }

    /**
     * One [n, inner] block at {@code base}: z = softmax over the n rows of (z - ln(-ln u)) / tau,
     * computed column-wise (vectors run along the contiguous inner axis).
     */
    private static void softmaxOfNoisy(float[] z, float[] u, int base, int n, int inner, float invTau, float[] max, float[] sum) {
        int bound = S.loopBound(inner);
        FloatVector scale = FloatVector.broadcast(S, invTau);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(sum, 0f);
        for (int c = 0; c < n; c++) {
            int row = base + c * inner, i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector gumbel = FloatVector.fromArray(S, u, row + i).lanewise(VectorOperators.LOG).neg().lanewise(VectorOperators.LOG).neg();
                FloatVector v = FloatVector.fromArray(S, z, row + i).add(gumbel).mul(scale);
                v.intoArray(z, row + i);
                FloatVector.fromArray(S, max, i).max(v).intoArray(max, i);
            }
            for (; i < inner; i++) {
                float v = (z[row + i] - (float) Math.log(-Math.log(u[row + i]))) * invTau;
                z[row + i] = v;
                max[i] = Math.max(max[i], v);
            }
        }
        for (int c = 0; c < n; c++) {
            int row = base + c * inner, i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector e = FloatVector.fromArray(S, z, row + i).sub(FloatVector.fromArray(S, max, i)).lanewise(VectorOperators.EXP);
                e.intoArray(z, row + i);
                FloatVector.fromArray(S, sum, i).add(e).intoArray(sum, i);
            }
            for (; i < inner; i++) {
                float e = (float) Math.exp(z[row + i] - max[i]);
                z[row + i] = e;
                sum[i] += e;
            }
        }
        for (int i = 0; i < inner; i++) sum[i] = 1f / sum[i];
        for (int c = 0; c < n; c++) {
            int row = base + c * inner, i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, z, row + i).mul(FloatVector.fromArray(S, sum, i)).intoArray(z, row + i);
            }
            for (; i < inner; i++) z[row + i] *= sum[i];
        }
    }

    static Tensor backward(Tensor y, Tensor gradY, double tau, int axis) {
        if (y.dtype() == DType.F64) return ReferenceGumbelSoftmax.backward(y, gradY, tau, axis);
        check("gumbelSoftmaxBackward", "y", y, "gradY", gradY, tau);
        int a = y.shape().normalizeAxis(axis);
        int outer = outer(y, a), n = y.dim(a), inner = inner(y, a);
        float[] p = CpuFloatArrays.read(y), g = CpuFloatArrays.read(gradY);
        float invTau = (float) (1.0 / tau);
        CpuThreads.parallelFor(outer, 1, (from, to) -> {
            float[] dot = new float[inner];
            for (int o = from; o < to; o++) {
                int base = o * n * inner;
                java.util.Arrays.fill(dot, 0f);
                for (int c = 0; c < n; c++) {
                    int row = base + c * inner;
                    for (int i = 0; i < inner; i++) dot[i] += p[row + i] * g[row + i];
                }
                for (int c = 0; c < n; c++) {
                    int row = base + c * inner;
                    for (int i = 0; i < inner; i++) g[row + i] = p[row + i] * (g[row + i] - dot[i]) * invTau;
                }
            }
        });
        return CpuFloatArrays.write(g, y.dtype(), y.shape().toArray());
    }

    static Tensor argmaxOneHot(Tensor x, int axis) {
        if (x.dtype() == DType.F64) return ReferenceGumbelSoftmax.argmaxOneHot(x, axis);
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException("argmaxOneHot: x must be a float tensor, got " + x.dtype() + x.shape());
        }
        int a = x.shape().normalizeAxis(axis);
        int outer = outer(x, a), n = x.dim(a), inner = inner(x, a);
        float[] v = CpuFloatArrays.read(x);
        float[] hot = new float[v.length];
        CpuThreads.parallelFor(outer, 1, (from, to) -> {
            for (int o = from; o < to; o++) {
                int base = o * n * inner;
                for (int i = 0; i < inner && n > 0; i++) {
                    int best = 0;
                    float max = v[base + i];
                    for (int c = 1; c < n; c++) {
                        float e = v[base + c * inner + i];
                        if (e > max) {
                            max = e;
                            best = c;
                        }
                    }
                    hot[base + best * inner + i] = 1f;
                }
            }
        });
        return CpuFloatArrays.write(hot, x.dtype(), x.shape().toArray());
    }

    private static void check(String op, String nameA, Tensor a, String nameB, Tensor b, double tau) {
        ReferenceGumbelSoftmax.checkSameFloat(op, nameA, a, nameB, b);
        ReferenceGumbelSoftmax.checkTau(tau);
        if (a.numel() > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(op + ": tensor " + a.shape() + " is too large for one Cpu call");
    }

    private static int outer(Tensor x, int axis) {
        int o = 1;
        for (int d = 0; d < axis; d++) o *= x.dim(d);
        return o;
    }

    private static int inner(Tensor x, int axis) {
        int in = 1;
        for (int d = axis + 1; d < x.rank(); d++) in *= x.dim(d);
        return in;
    }
}
