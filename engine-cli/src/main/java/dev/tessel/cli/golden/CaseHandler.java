package dev.tessel.cli.golden;

import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.Map;

/**
 * Computes one op kind of golden case with the engine. Adding an op = one class implementing this
 * plus one line in {@link CaseHandlers}; tolerances already live in {@link GoldenTolerances}.
 *
 * <p>Contract: {@link #compute} reads inputs, params and attrs from the case and returns the fields it
 * can compute, keyed by the case's field names ({@code out.y}, {@code grad.x}); a field it leaves out
 * is reported as unsupported with {@link #missingReason}. The returned tensors belong to the caller.
 * Throw UnsupportedOperationException for a variant the engine cannot do (the case then FAILs as
 * unsupported with that message); a missing tensor or attr surfaces as MalformedCaseException.
 */
public interface CaseHandler {
    Map<String, Tensor> compute(GoldenCase goldenCase, Backend backend);

    /** Why {@code field} is not among the computed fields (shown after "unsupported: field"). */
    default String missingReason(String field) {
        return field.startsWith("grad.") ? "autograd not implemented yet" : "not computed by this handler";
    }
}
