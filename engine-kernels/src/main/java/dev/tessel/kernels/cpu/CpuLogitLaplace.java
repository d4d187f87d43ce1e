package dev.tessel.kernels.cpu;

import dev.tessel.kernels.reference.ReferenceLogitLaplace;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The dVAE pixel ops on the Cpu backend: the maths of {@link ReferenceLogitLaplace} in float on
 * dense arrays, split over elements with {@link CpuThreads}. The summed NLL adds per-chunk
 * partial sums in double, so the result does not drift with the element count. F64 runs the
 * reference loops.
 */
final class CpuLogitLaplace {
    private static final int GRAIN = 1 << 14;
    private static final float LN2 = (float) Math.log(2);

    private CpuLogitLaplace() {}

    static Tensor mapPixels(Tensor x, double eps) {
        ReferenceLogitLaplace.checkFloat("mapPixels", x);
        ReferenceLogitLaplace.checkEps("mapPixels", eps);
        if (x.dtype() == DType.F64) return ReferenceLogitLaplace.mapPixels(x, eps);
        float[] v = CpuFloatArrays.read(x);
        float scale = (float) (1 - 2 * eps), shift = (float) eps;
        CpuThreads.parallelFor(v.length, GRAIN, (from, to) -> {
            for (int f = from; f < to; f++) v[f] = scale * v[f] + shift;
        });
        return CpuFloatArrays.write(v, x.dtype(), x.shape().toArray());
    }

    static Tensor unmapPixels(Tensor y, double eps) {
        ReferenceLogitLaplace.checkFloat("unmapPixels", y);
        ReferenceLogitLaplace.checkEps("unmapPixels", eps);
        if (y.dtype() == DType.F64) return ReferenceLogitLaplace.unmapPixels(y, eps);
        float[] v = CpuFloatArrays.read(y);
        float shift = (float) eps, inv = (float) (1 / (1 - 2 * eps));
        CpuThreads.parallelFor(v.length, GRAIN, (from, to) -> {
            for (int f = from; f < to; f++) v[f] = Math.clamp((v[f] - shift) * inv, 0f, 1f);
        });
        return CpuFloatArrays.write(v, y.dtype(), y.shape().toArray());
    }

    static Tensor nll(Tensor x, Tensor mu, Tensor lnB) {
        ReferenceLogitLaplace.checkTriple("logitLaplaceNll", x, mu, lnB);
        if (x.dtype() == DType.F64) return ReferenceLogitLaplace.nll(x, mu, lnB);
        float[] xs = CpuFloatArrays.read(x), m = CpuFloatArrays.read(mu), lb = CpuFloatArrays.read(lnB);
        CpuThreads.parallelFor(xs.length, GRAIN, (from, to) -> {
            for (int f = from; f < to; f++) xs[f] = nllAt(xs[f], m[f], lb[f]);
        });
        return CpuFloatArrays.write(xs, x.dtype(), x.shape().toArray());
    }

    static Tensor nllSum(Tensor x, Tensor mu, Tensor lnB) {
        ReferenceLogitLaplace.checkTriple("logitLaplaceNllSum", x, mu, lnB);
        if (x.dtype() == DType.F64) return ReferenceLogitLaplace.nllSum(x, mu, lnB);
        float[] xs = CpuFloatArrays.read(x), m = CpuFloatArrays.read(mu), lb = CpuFloatArrays.read(lnB);
        int chunks = Math.max(1, (xs.length + GRAIN - 1) / GRAIN);
        double[] partial = new double[chunks];
        CpuThreads.parallelFor(chunks, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                double s = 0;
                for (int f = c * GRAIN, end = Math.min(xs.length, f + GRAIN); f < end; f++) s += nllAt(xs[f], m[f], lb[f]);
                partial[c] = s;
            }
        });
        double total = 0;
        for (double s : partial) total += s;
        Tensor out = Tensor.zeros(x.dtype(), 1);
        out.setDouble(0, total);
        return out;
    }

    static Tensor[] backward(Tensor x, Tensor mu, Tensor lnB, Tensor gradOut) {
        ReferenceLogitLaplace.checkTriple("logitLaplaceNllBackward", x, mu, lnB);
        if (x.dtype() == DType.F64) return ReferenceLogitLaplace.backward(x, mu, lnB, gradOut);
        Tensor g = ReferenceLogitLaplace.broadcastGrad("logitLaplaceNllBackward", gradOut, x);
        float[] xs = CpuFloatArrays.read(x), m = CpuFloatArrays.read(mu), lb = CpuFloatArrays.read(lnB), up = CpuFloatArrays.read(g);
        CpuThreads.parallelFor(xs.length, GRAIN, (from, to) -> {
            for (int f = from; f < to; f++) {
                float invB = (float) Math.exp(-lb[f]);
                float r = (float) (Math.log(xs[f]) - Math.log1p(-xs[f])) - m[f];
                m[f] = -Math.signum(r) * invB * up[f];
                lb[f] = (1f - Math.abs(r) * invB) * up[f];
            }
        });
        int[] dims = x.shape().toArray();
        return new Tensor[] {CpuFloatArrays.write(m, x.dtype(), dims), CpuFloatArrays.write(lb, x.dtype(), dims)};
    }

    private static float nllAt(float x, float mu, float lnB) {
        float lnX = (float) Math.log(x), ln1mX = (float) Math.log1p(-x);
        return LN2 + lnB + lnX + ln1mX + Math.abs(lnX - ln1mX - mu) * (float) Math.exp(-lnB);
    }
}
