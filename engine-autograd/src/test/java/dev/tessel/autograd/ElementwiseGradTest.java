// ElementwiseGradTest: float64 gradchecks of every unary op, every differentiable binary op under
// broadcasting (the rule must sum the gradient back to each operand's shape), scalar helpers,
// where and cast.
//
// Invariant: inputs avoid each op's non-smooth points by at least 100x the finite-difference
// step, so a failure is a wrong rule, never a kink.
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ElementwiseGradTest {

    /** Inputs inside each op's domain (log/sqrt/rsqrt need x > 0) and away from 0 for the kinks. */
    private static Tensor inputFor(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> uniform(11, 0.3, 2.0, 2, 3, 4);
            case ABS, RELU, SIGN -> awayFromZero(12, 0.05, 1.5, 2, 3, 4);
            default -> uniform(13, -3.0, 3.0, 2, 3, 4);
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryGradientsMatchFiniteDifferences(UnaryOp op) {
        gradcheck(v -> Ops.unary(op, v.get(0)), inputFor(op));
    }

    @Test
    void geluFormsHaveTheirOwnDerivativesIncludingLargeArguments() {
        Tensor x = Tensor.of(new double[] {-6, -2.5, -1, -1e-3, 0.0, 1e-3, 0.7, 2.5, 6}, 9);
        gradcheck(v -> Ops.geluErf(v.get(0)), x);
        gradcheck(v -> Ops.geluSigmoid(v.get(0)), x);
        gradcheck(v -> Ops.geluTanh(v.get(0)), x);
    }

    @ParameterizedTest
    @EnumSource(value = BinaryOp.class, names = {"ADD", "SUB", "MUL", "DIV", "MAX", "MIN"})
    void binaryGradientsReduceBackToEachBroadcastShape(BinaryOp op) {
        Tensor a = awayFromZero(21, 0.3, 2.0, 2, 3, 4);
        // [3,1] broadcasts over the batch axis and the last axis; [4] over the two leading ones
        gradcheck(v -> Ops.binary(op, v.get(0), v.get(1)), a, awayFromZero(22, 0.3, 2.0, 3, 1));
        gradcheck(v -> Ops.binary(op, v.get(0), v.get(1)), awayFromZero(23, 0.3, 2.0, 4), a);
        gradcheck(v -> Ops.binary(op, v.get(0), v.get(1)), awayFromZero(24, 0.3, 2.0, 1, 3, 1), awayFromZero(25, 0.3, 2.0, 2, 1, 4));
    }

    @Test
    void aRankZeroOperandGetsTheSumOverEverything() {
        gradcheck(v -> Ops.mul(v.get(0), v.get(1)), uniform(26, -1, 1, 2, 3), Tensor.scalar(DType.F64, 0.7));
    }

    @Test
    void powHasGradientsForBaseAndExponent() {
        gradcheck(v -> Ops.pow(v.get(0), v.get(1)), uniform(31, 0.5, 2.0, 2, 3), uniform(32, -1.5, 1.5, 3));
    }

    @Test
    void scalarHelpers() {
        Tensor x = uniform(41, 0.5, 2.0, 3, 4);
        gradcheck(v -> Ops.addScalar(v.get(0), 0.75), x);
        gradcheck(v -> Ops.mulScalar(v.get(0), -1.25), x);
        gradcheck(v -> Ops.powScalar(v.get(0), 2.5), x);
        gradcheck(v -> Ops.divScalar(Ops.subScalar(v.get(0), 0.2), 3.0), x);
        gradcheck(v -> Ops.rsubScalar(1.0, Ops.square(v.get(0))), x);
    }

    @Test
    void whereRoutesGradientsToTheChosenSideAndBroadcasts() {
        Tensor condition = Tensor.fromDoubles(DType.U8, new double[] {1, 0, 1}, 3, 1);
        gradcheck(v -> Ops.where(condition, v.get(0), v.get(1)), uniform(51, -1, 1, 2, 3, 4), uniform(52, -1, 1, 4));
    }

    @Test
    void castGradientIsCastBackToTheSourceDtype() {
        // F64 -> F32 -> F64 cannot be finite-differenced at F64 precision, so the rule is checked directly
        try (var reference = Autograd.backend(dev.tessel.kernels.Backends.reference())) {
            Variable x = Variable.parameter(Tensor.fromDoubles(DType.F32, new double[] {0.5, -1.5, 2}, 3));
            Variable y = Ops.cast(x, DType.F64);
            assertEquals(DType.F64, y.dtype());
            y.backward(Tensor.of(new double[] {0.25, -4, 8}, 3));
            assertEquals(DType.F32, x.grad().dtype());
            assertArrayEquals(new double[] {0.25, -4, 8}, x.grad().toDoubleArray());
        }
        gradcheck(v -> Ops.mul(Ops.cast(v.get(0), DType.F64), v.get(0)), uniform(61, -1, 1, 5));
    }

    @Test
    void comparisonsGiveConstants() {
        try (var reference = Autograd.backend(dev.tessel.kernels.Backends.reference())) {
            Variable a = Variable.parameter(uniform(71, -1, 1, 4));
            Variable b = Variable.parameter(uniform(72, -1, 1, 4));
            assertFalse(Ops.greater(a, b).requiresGrad());
            assertFalse(Ops.equal(a, b).requiresGrad());
        }
    }
}
