// TapeTest: the rules of the tape itself: gradient accumulation (within one graph and across
// backward calls), noGrad/enableGrad scopes, when the graph is freed, the clear errors, the
// backend rule, and the live-bytes counter.
//
// Invariant: every error test checks both the exception type and that the message says what to
// do, because those messages are the user-facing contract.
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TapeTest {
    private Autograd.Scope reference;

    @BeforeEach
    void useReference() { reference = Autograd.backend(Backends.reference()); }

    @AfterEach
    void restore() { reference.close(); }

    private static double[] values(Tensor t) { return t.toDoubleArray(); }

    /** sum(x * x): gradient 2x. */
    private static Variable sumOfSquares(Variable x) { return Ops.sumAll(Ops.mul(x, x)); }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Tensor xv = Tensor.of(new double[] {1, -2, 3}, 3);
        Variable x = Variable.parameter(xv);
        assertNull(x.grad());
        sumOfSquares(x).backward();
        assertArrayEquals(new double[] {2, -4, 6}, values(x.grad()));
        sumOfSquares(x).backward();
        assertArrayEquals(new double[] {4, -8, 12}, values(x.grad()));
        x.zeroGrad();
        assertNull(x.grad());
        sumOfSquares(x).backward();
        assertArrayEquals(new double[] {2, -4, 6}, values(x.grad()));
    }

    @Test
    void aVariableUsedTwiceReceivesTheSumOfBothPaths() {
        Variable x = Variable.parameter(Tensor.of(new double[] {0.5, 2}, 2));
        // y = x*x + 3x: dy/dx = 2x + 3
        Ops.sumAll(Ops.add(Ops.mul(x, x), Ops.mulScalar(x, 3))).backward();
        assertArrayEquals(new double[] {4, 7}, values(x.grad()));
    }

    @Test
    void leafGradientsAreOwnedNotAliases() {
        Variable a = Variable.parameter(Tensor.of(new double[] {1, 2}, 2));
        Variable b = Variable.parameter(Tensor.of(new double[] {3, 4}, 2));
        Tensor seed = Tensor.of(new double[] {1, 1}, 2);
        Ops.add(a, b).backward(seed);
        assertNotSame(a.grad(), b.grad());
        assertNotSame(seed, a.grad());
        a.grad().setDouble(0, 100);
        assertEquals(1.0, b.grad().getDouble(0));
        assertEquals(1.0, seed.getDouble(0));
    }

    @Test
    void noGradRecordsNothingAndEnableGradReopensRecording() {
        Variable x = Variable.parameter(Tensor.of(new double[] {1, 2}, 2));
        try (var off = Autograd.noGrad()) {
            assertFalse(Autograd.isRecording());
            Variable y = sumOfSquares(x);
            assertFalse(y.requiresGrad());
            try (var on = Autograd.enableGrad()) {
                assertTrue(sumOfSquares(x).requiresGrad());
            }
            assertFalse(Autograd.isRecording());
        }
        assertTrue(Autograd.isRecording());
        assertTrue(sumOfSquares(x).requiresGrad());
    }

    @Test
    void noGradIsPerThread() throws InterruptedException {
        AtomicReference<Boolean> otherThreadRecording = new AtomicReference<>();
        try (var off = Autograd.noGrad()) {
            Thread t = new Thread(() -> otherThreadRecording.set(Autograd.isRecording()));
            t.start();
            t.join();
        }
        assertTrue(otherThreadRecording.get());
    }

    @Test
    void backwardOnAResultThatNeedsNoGradientExplainsTheFix() {
        Variable c = Variable.constant(Tensor.of(new double[] {1, 2}, 2));
        var e = assertThrows(IllegalStateException.class, () -> sumOfSquares(c).backward());
        assertTrue(e.getMessage().contains("does not require grad") && e.getMessage().contains("parameter"), e.getMessage());
        Variable x = Variable.parameter(Tensor.of(new double[] {1, 2}, 2));
        Variable y;
        try (var off = Autograd.noGrad()) { y = sumOfSquares(x); }
        var e2 = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e2.getMessage().contains("noGrad"), e2.getMessage());
    }

    @Test
    void secondBackwardThroughAFreedGraphThrowsBeforeWritingAnyGradient() {
        Variable x = Variable.parameter(Tensor.of(new double[] {1, 2}, 2));
        Variable hidden = Ops.exp(x);
        Variable loss = Ops.sumAll(hidden);
        loss.backward();
        double[] after = values(x.grad());
        var e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("freed") && e.getMessage().contains("retainGraph"), e.getMessage());
        // a new graph that reuses a freed node fails the same way, and x's gradient is untouched
        Variable other = Ops.sumAll(Ops.mul(hidden, x));
        var e2 = assertThrows(IllegalStateException.class, other::backward);
        assertTrue(e2.getMessage().contains("'exp'"), e2.getMessage());
        assertArrayEquals(after, values(x.grad()));
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Variable x = Variable.parameter(Tensor.of(new double[] {1, -1}, 2));
        Variable loss = sumOfSquares(x);
        Tensor one = Tensor.of(new double[] {1}, 1);
        loss.backward(one, true);
        loss.backward(one);
        assertArrayEquals(new double[] {4, -4}, values(x.grad()));
    }

    @Test
    void seedShapeMustMatchTheResult() {
        Variable y = Ops.mulScalar(Variable.parameter(uniform(1, -1, 1, 2, 3)), 2);
        var e = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.zeros(DType.F64, 3, 2)));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e2.getMessage().contains("backward(seed)"), e2.getMessage());
    }

    @Test
    void aRuleReturningTheWrongShapeOrCountIsNamed() {
        Variable x = Variable.parameter(uniform(2, -1, 1, 2, 3));
        Variable wrongShape = Variable.fromOp("badRule", x.value().copy(), List.of(x), g -> new Tensor[] {Tensor.zeros(DType.F64, 3, 2)});
        var e = assertThrows(IllegalStateException.class, () -> wrongShape.backward(Tensor.zeros(DType.F64, 2, 3)));
        assertTrue(e.getMessage().contains("'badRule'") && e.getMessage().contains("[3, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
        Variable wrongCount = Variable.fromOp("badCount", x.value().copy(), List.of(x), g -> new Tensor[] {g, g});
        var e2 = assertThrows(IllegalStateException.class, () -> wrongCount.backward(Tensor.zeros(DType.F64, 2, 3)));
        assertTrue(e2.getMessage().contains("'badCount'") && e2.getMessage().contains("one entry per input"), e2.getMessage());
    }

    @Test
    void integerTensorsCannotBeParameters() {
        var e = assertThrows(IllegalArgumentException.class, () -> Variable.parameter(Tensor.ofLongs(new long[] {1}, 1)));
        assertTrue(e.getMessage().contains("I64"), e.getMessage());
    }

    @Test
    void backwardRulesRunOnTheBackendTheirForwardUsed() {
        AtomicInteger calls = new AtomicInteger();
        Backend counting = countingReference(calls);
        Variable x = Variable.parameter(Tensor.of(new double[] {1, 2}, 2));
        Variable loss;
        try (var scoped = Autograd.backend(counting)) {
            assertSame(counting, Autograd.currentBackend());
            loss = Ops.sumAll(Ops.exp(x));
        }
        assertSame(Backends.reference(), Autograd.currentBackend());
        int forwardCalls = calls.get();
        assertTrue(forwardCalls > 0);
        loss.backward();
        assertTrue(calls.get() > forwardCalls, "the exp rule must multiply on the counting backend");
        assertArrayEquals(new double[] {Math.exp(1), Math.exp(2)}, values(x.grad()), 1e-12);
    }

    @Test
    void backwardFreesTheLiveGraphBytes() {
        Variable x = Variable.parameter(uniform(3, -1, 1, 16, 16));
        long before = Autograd.liveGraphBytes();
        Variable loss = Ops.sumAll(Ops.tanh(Ops.exp(x)));
        long during = Autograd.liveGraphBytes();
        assertTrue(during - before >= 2L * 16 * 16 * Double.BYTES, "exp and tanh values are held by the graph");
        loss.backward();
        assertTrue(Autograd.liveGraphBytes() <= before, "backward frees every node it passed");
    }

    /** The Reference backend behind a proxy that counts every kernel call. */
    private static Backend countingReference(AtomicInteger calls) {
        Backend target = Backends.reference();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
            calls.incrementAndGet();
            try {
                return method.invoke(target, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
