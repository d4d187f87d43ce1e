package dev.tessel.cli.golden;

import dev.tessel.kernels.Backends;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** adamw's update check: a step 0.3% off passes the parameter atol but fails p_t - p_0 at rtol 1e-3. */
class DerivedChecksTest {
    private static CaseResult runAdamw(float computedUpdate) throws Exception {
        float p0 = 0.75f;
        float expectedUpdate = -4.5e-4f;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("in.param", Tensor.of(new float[] {p0, 0f}, 2));
        tensors.put("out.params_step1", Tensor.of(new float[] {p0 + expectedUpdate, 0f}, 2));
        CaseHandler handler = (c, b) -> Map.of("out.params_step1", Tensor.of(new float[] {p0 + computedUpdate, 0f}, 2));
        try (GoldenCase c = new GoldenCase("adamw-x", "adamw", new CaseAttrs("adamw-x", Map.of()), tensors, null)) {
            return new GoldenRunner(f -> c, Map.of("adamw", handler), Backends.reference()).runCase(c);
        }
    }

    @Test
    void anUpdatePointThreePercentOffFailsOnlyTheDerivedCheck() throws Exception {
        CaseResult r = runAdamw(-4.5e-4f * 1.003f);
        assertTrue(r.field("out.params_step1").orElseThrow().passed(), r.line());
        FieldResult update = r.field("out.params_step1 - in.param").orElseThrow();
        assertEquals(FieldResult.Status.MISMATCH, update.status(), r.line());
        assertFalse(r.passed());
    }

    @Test
    void theRightUpdatePassesBoth() throws Exception {
        CaseResult r = runAdamw(-4.5e-4f);
        assertTrue(r.passed(), r.line());
        assertEquals(2, r.fields().size());
    }
}
