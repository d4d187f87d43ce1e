// GradClipping: global-norm clipping of gradients, torch.nn.utils.clip_grad_norm_ semantics.
//
// Invariant: the norm is accumulated in double over every parameter that has a gradient, and
// gradients are scaled in place only when the norm is finite and above the bound, so a caller
// that sees a non-finite norm can still skip the step with its gradients untouched.
package dev.tessel.autograd.optim;

import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** Gradient clipping. */
public final class GradClipping {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private GradClipping() {}

    /**
     * Scales every gradient by maxNorm / (norm + 1e-6) when the global L2 norm exceeds
     * {@code maxNorm} (torch's formula). Returns the norm before clipping.
     */
    public static double clipGlobalNorm(List<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGlobalNorm: maxNorm must be > 0, got " + maxNorm);
        double sumSquares = 0;
        for (Parameter p : parameters) {
            Tensor g = p.grad();
            if (g == null) continue;
            sumSquares += sumOfSquares(g);
        }
        double norm = Math.sqrt(sumSquares);
        double coefficient = maxNorm / (norm + 1e-6);
        if (Double.isFinite(norm) && coefficient < 1) {
            for (Parameter p : parameters) {
                Tensor g = p.grad();
                if (g == null) continue;
                scale(g, coefficient);
            }
        }
        return norm;
    }

    private static double sumOfSquares(Tensor g) {
        double s = 0;
        if (g.dtype() == DType.F32 && g.isContiguous()) {
            MemorySegment m = g.segment();
            long base = g.byteOffset(), n = g.numel();
            for (long i = 0; i < n; i++) {
                double v = m.get(FLOAT, base + 4 * i);
                s += v * v;
            }
            return s;
        }
        for (long i = 0; i < g.numel(); i++) {
            double v = g.getDouble(i);
            s += v * v;
        }
        return s;
    }

    private static void scale(Tensor g, double coefficient) {
        if (g.dtype() == DType.F32 && g.isContiguous()) {
            MemorySegment m = g.segment();
            long base = g.byteOffset(), n = g.numel();
            float c = (float) coefficient;
            for (long i = 0; i < n; i++) m.set(FLOAT, base + 4 * i, m.get(FLOAT, base + 4 * i) * c);
            return;
        }
        for (long i = 0; i < g.numel(); i++) g.setDouble(i, g.getDouble(i) * coefficient);
    }
}
