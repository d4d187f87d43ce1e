package dev.tessel.cli.golden;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks of FORMAT.md section 2 that compare a difference of fields rather than a field. Today
 * one: adamw's parameters move by only about lr per step, far below their atol of 2e-6 relative to
 * the parameter, so the update itself, {@code p_t - p_0}, is also checked to rtol 1e-3.
 *
 * <p>Invariant: a derived check runs only on fields the handler computed (missing ones are already
 * reported as unsupported) and is reported like a field, named {@code "<field> - <base>"}.
 */
final class DerivedChecks {
    private static final Tolerance ADAMW_UPDATE = Tolerance.of(0, 1e-3);

    private DerivedChecks() {}

    static List<FieldResult> forCase(GoldenCase c, Map<String, Tensor> computed) {
        List<FieldResult> results = new ArrayList<>();
        if (c.op().equals("adamw") && c.optionalTensor("in.param") != null) {
            Tensor start = c.tensor("in.param");
            for (String field : c.expectedFields()) {
                Tensor got = computed.get(field);
                if (!field.startsWith("out.params_step") || got == null || !got.shape().equals(start.shape())) continue;
                try (Tensor gotUpdate = difference(got, start); Tensor expUpdate = difference(c.tensor(field), start)) {
                    results.add(FieldComparison.compare(field + " - in.param", gotUpdate, expUpdate, ADAMW_UPDATE));
                }
            }
        }
        return results;
    }

    /** a - b in double (exact for two floats of similar magnitude, which is the case here). */
    private static Tensor difference(Tensor a, Tensor b) {
        Tensor d = Tensor.zeros(DType.F64, a.shape());
        for (long i = 0; i < a.numel(); i++) d.setDouble(i, a.getDouble(i) - b.getDouble(i));
        return d;
    }
}
