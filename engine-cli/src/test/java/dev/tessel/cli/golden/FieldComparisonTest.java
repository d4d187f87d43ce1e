package dev.tessel.cli.golden;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Elementwise checks |got-exp| <= atol + rtol|exp|, exact fields, NaN/Inf, shapes, and the tolerance table. */
class FieldComparisonTest {
    private static final Tolerance TOL = Tolerance.of(1e-5, 1e-4);

    @Test
    void acceptsUpToTheBoundAndRejectsJustPastIt() {
        double exp = 3.0;
        double allowed = 1e-5 + 1e-4 * 3.0;
        assertTrue(TOL.accepts(exp + allowed * 0.999, exp));
        assertFalse(TOL.accepts(exp + allowed * 1.001, exp));
        assertFalse(TOL.accepts(-exp, exp));
    }

    @Test
    void nanOnlyMatchesNanAndInfinitiesMustBeEqual() {
        assertTrue(TOL.accepts(Double.NaN, Double.NaN));
        assertFalse(TOL.accepts(Double.NaN, 1));
        assertFalse(TOL.accepts(1, Double.NaN));
        assertTrue(TOL.accepts(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY));
        assertFalse(TOL.accepts(Double.MAX_VALUE, Double.POSITIVE_INFINITY));
        assertFalse(Tolerance.EXACT.accepts(2.0000001, 2));
    }

    @Test
    void passReportsMaxAbsErrorAndRatio() {
        try (Tensor exp = Tensor.of(new float[] {1, -2, 0, 4}, 2, 2); Tensor got = Tensor.of(new float[] {1, -2.0001f, 0, 4}, 2, 2)) {
            FieldResult r = FieldComparison.compare("out.y", got, exp, TOL);
            assertTrue(r.passed());
            assertEquals(Math.abs(-2.0001f + 2.0), r.maxAbsError(), 1e-12);
            assertEquals(r.maxAbsError() / TOL.allowed(-2), r.worstRatio(), 1e-9);
        }
    }

    @Test
    void mismatchCountsAndLocatesTheFirstBadElement() {
        try (Tensor exp = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3); Tensor got = Tensor.of(new float[] {1, 2, 3, 4, 9, 7}, 2, 3)) {
            FieldResult r = FieldComparison.compare("out.y", got, exp, TOL);
            assertEquals(FieldResult.Status.MISMATCH, r.status());
            assertEquals(4.0, r.maxAbsError());
            assertTrue(r.detail().startsWith("2 of 6 elements outside") && r.detail().contains("[1, 1]"), r.detail());
        }
    }

    @Test
    void comparesByLogicalIndexSoViewsWork() {
        try (Tensor exp = Tensor.of(new float[] {1, 3, 2, 4}, 2, 2); Tensor got = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)) {
            assertTrue(FieldComparison.compare("out.y", got.transpose(0, 1), exp, TOL).passed());
        }
    }

    @Test
    void shapeDifferenceIsAMismatchNotABroadcast() {
        try (Tensor exp = Tensor.of(new float[] {1, 1}, 2); Tensor got = Tensor.of(new float[] {1}, 1)) {
            FieldResult r = FieldComparison.compare("out.y", got, exp, TOL);
            assertEquals(FieldResult.Status.MISMATCH, r.status());
            assertTrue(r.detail().contains("shape [1] but expected [2]"), r.detail());
        }
    }

    @Test
    void integerFieldsAreExactForEveryOp() {
        assertEquals(Tolerance.EXACT, GoldenTolerances.forField("dvae.encoder", "out.argmax", DType.I64));
        assertEquals(Tolerance.EXACT, GoldenTolerances.forField("attention.mask", "out.mask", DType.U8));
        assertEquals(Tolerance.EXACT, GoldenTolerances.forField("gumbel_softmax", "out.y_hard", DType.F32));
        try (Tensor exp = Tensor.ofLongs(new long[] {3, 7}, 2); Tensor got = Tensor.ofLongs(new long[] {3, 8}, 2)) {
            FieldResult r = FieldComparison.compare("out.argmax", got, exp, Tolerance.EXACT);
            assertEquals(FieldResult.Status.MISMATCH, r.status());
            assertEquals(Double.POSITIVE_INFINITY, r.worstRatio());
        }
    }

    @Test
    void tolerancesFollowFormatMdSection2() {
        assertEquals(Tolerance.of(1e-5, 1e-4), GoldenTolerances.forField("conv2d", "grad.weight", DType.F32));
        assertEquals(Tolerance.of(1e-6, 1e-5), GoldenTolerances.forField("gelu", "out.y", DType.F32));
        assertEquals(Tolerance.of(1e-6, 1e-5), GoldenTolerances.forField("dvae.pixels", "out.mapped", DType.F32));
        assertEquals(Tolerance.of(1e-5, 1e-5), GoldenTolerances.forField("dvae.pixels", "grad.mu", DType.F32));
        assertEquals(Tolerance.of(2e-6, 0), GoldenTolerances.forField("adamw", "out.params_step2", DType.F32));
        assertThrows(IllegalArgumentException.class, () -> GoldenTolerances.forField("no.such.op", "out.y", DType.F32));
    }

    @Test
    void everyOpInTheHandlerTableHasATolerance() {
        for (String op : CaseHandlers.all().keySet()) {
            assertDoesNotThrow(() -> GoldenTolerances.forField(op, "out.y", DType.F32), op);
        }
    }
}
