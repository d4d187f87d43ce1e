// GradCheckTest: the checker itself must catch a wrong rule, pass a right one, leave the caller's
// tensors alone and refuse a function that does not compute in float64.
//
// Invariant: the custom ops here join the tape only through the public Variable.fromOp, as an
// embedder's op would.
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class GradCheckTest {

    /** x*x with a backward rule that multiplies by {@code factor} * x (2 is right). */
    private static Function<List<Variable>, Variable> square(double factor) {
        return v -> {
            Tensor x = v.get(0).value();
            Tensor y = Autograd.currentBackend().binary(BinaryOp.MUL, x, x);
            return Variable.fromOp("customSquare", y, List.of(v.get(0)), g -> {
                Tensor scaled = Autograd.currentBackend().binary(BinaryOp.MUL, x, Tensor.scalar(x.dtype(), factor));
                return new Tensor[] {Autograd.currentBackend().binary(BinaryOp.MUL, g, scaled)};
            });
        };
    }

    @Test
    void aCorrectCustomRulePasses() {
        try (var ref = Autograd.backend(Backends.reference())) {
            GradCheck.Report r = GradCheck.assertGradients(square(2.0), List.of(uniform(1, -1, 1, 3, 2)));
            assertTrue(r.passed());
            assertEquals(6, r.elementsChecked());
            assertTrue(r.maxAbsError() < 1e-8, r.describe());
        }
    }

    @Test
    void aWrongRuleIsCaughtAndLocated() {
        try (var ref = Autograd.backend(Backends.reference())) {
            Tensor x = Tensor.of(new double[] {1e-4, -2e-4, 3.0}, 3);
            GradCheck.Report r = GradCheck.check(square(1.0), List.of(x), 1e-6, 1e-7, 1e-5);
            assertFalse(r.passed());
            assertEquals(0, r.worstInput());
            assertEquals(2, r.worstIndex(), "the error is |w x|, largest at the largest |x|");
            var e = assertThrows(AssertionError.class, () -> GradCheck.assertGradients(square(1.0), List.of(x)));
            assertTrue(e.getMessage().contains("FAILED") && e.getMessage().contains("flat index 2"), e.getMessage());
        }
    }

    @Test
    void callerTensorsAreNotModified() {
        try (var ref = Autograd.backend(Backends.reference())) {
            Tensor x = Tensor.fromDoubles(DType.F32, new double[] {0.5, 1.5}, 2);
            GradCheck.assertGradients(v -> Ops.cast(Ops.exp(Ops.cast(v.get(0), DType.F64)), DType.F64), List.of(x));
            assertArrayEquals(new double[] {0.5, 1.5}, x.toDoubleArray());
        }
    }

    @Test
    void aFunctionThatLeavesFloat64IsRefused() {
        try (var ref = Autograd.backend(Backends.reference())) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> GradCheck.check(v -> Ops.cast(v.get(0), DType.F32), List.of(uniform(2, -1, 1, 2)), 1e-6, 1e-7, 1e-5));
            assertTrue(e.getMessage().contains("F32"), e.getMessage());
        }
    }
}
