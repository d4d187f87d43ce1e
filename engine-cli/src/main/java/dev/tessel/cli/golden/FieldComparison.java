package dev.tessel.cli.golden;

import dev.tessel.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Compares a computed tensor with the expected one element by element under a {@link Tolerance}.
 *
 * <p>Invariant: values are compared in double by logical (row-major) index, so any layout or view of
 * the computed tensor is fine; a shape difference is a mismatch, never broadcast.
 */
public final class FieldComparison {
    private FieldComparison() {}

    public static FieldResult compare(String field, Tensor got, Tensor expected, Tolerance tol) {
        if (!got.shape().equals(expected.shape())) {
            return new FieldResult(field, FieldResult.Status.MISMATCH, Double.NaN, Double.NaN, tol,
                    "shape " + got.shape() + " but expected " + expected.shape());
        }
        long n = expected.numel();
        double maxAbs = 0;
        double worstRatio = 0;
        long bad = 0;
        long firstBad = -1;
        double firstGot = 0;
        double firstExp = 0;
        for (long i = 0; i < n; i++) {
            double g = got.getDouble(i);
            double e = expected.getDouble(i);
            boolean ok = tol.accepts(g, e);
            double err = g == e || (Double.isNaN(g) && Double.isNaN(e)) ? 0 : Math.abs(g - e);
            if (Double.isNaN(err)) err = Double.POSITIVE_INFINITY;
            double allowed = tol.allowed(e);
            double ratio = err == 0 ? 0 : allowed > 0 ? err / allowed : Double.POSITIVE_INFINITY;
            // a rejected element counts as at least "at the limit" even where err/allowed says less (inf vs inf+)
            if (!ok) ratio = Math.max(ratio, 1);
            maxAbs = Math.max(maxAbs, err);
            worstRatio = Math.max(worstRatio, ratio);
            if (!ok) {
                if (firstBad < 0) {
                    firstBad = i;
                    firstGot = g;
                    firstExp = e;
                }
                bad++;
            }
        }
        if (bad == 0) return new FieldResult(field, FieldResult.Status.PASS, maxAbs, worstRatio, tol, "");
        String detail = String.format(Locale.ROOT, "%d of %d elements outside %s, first at %s: got %.9g expected %.9g",
                bad, n, tol, Arrays.toString(unflatten(firstBad, expected.shape().toArray())), firstGot, firstExp);
        return new FieldResult(field, FieldResult.Status.MISMATCH, maxAbs, worstRatio, tol, detail);
    }

    private static int[] unflatten(long flat, int[] dims) {
        int[] index = new int[dims.length];
        for (int k = dims.length - 1; k >= 0; k--) {
            index[k] = (int) (flat % dims[k]);
            flat /= dims[k];
        }
        return index;
    }
}
