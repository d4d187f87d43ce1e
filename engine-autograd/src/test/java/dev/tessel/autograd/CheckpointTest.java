// CheckpointTest: a 16-block residual stack run with and without activation checkpointing must
// give bit-identical gradients (for the parameters captured by each block and for the input),
// while the peak of bytes held by live graph nodes drops.
//
// Invariant: both runs build the same stack from the same seeds; only Checkpoint.run differs.
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.kernels.Backends;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CheckpointTest {
    private static final int BLOCKS = 16;
    private static final int ROWS = 32, WIDTH = 64;

    /** One run of the stack: the gradients it produced and the peak graph bytes it needed. */
    private record Run(List<double[]> grads, long peakBytes) {}

    /** block(h) = h + 0.5 * tanh(h * w + b), with w and b [WIDTH] captured from the enclosing stack. */
    private static Function<List<Variable>, Variable> block(Variable w, Variable b) {
        return in -> {
            Variable h = in.get(0);
            return Ops.add(h, Ops.mulScalar(Ops.tanh(Ops.add(Ops.mul(h, w), b)), 0.5));
        };
    }

    private static Run runStack(boolean checkpoint) {
        try (var ref = Autograd.backend(Backends.reference())) {
            Variable input = Variable.parameter(uniform(100, -1, 1, ROWS, WIDTH));
            List<Variable> params = new ArrayList<>();
            for (int i = 0; i < BLOCKS; i++) {
                params.add(Variable.parameter(uniform(200 + i, 0.5, 1.5, WIDTH)));
                params.add(Variable.parameter(uniform(300 + i, -0.5, 0.5, WIDTH)));
            }
            long baseline = Autograd.liveGraphBytes();
            Autograd.resetPeakGraphBytes();
            Variable h = input;
            for (int i = 0; i < BLOCKS; i++) {
                var f = block(params.get(2 * i), params.get(2 * i + 1));
                h = checkpoint ? Checkpoint.run(f, List.of(h)) : f.apply(List.of(h));
            }
            Ops.meanAll(Ops.square(h)).backward();
            long peak = Autograd.peakGraphBytes() - baseline;
            List<double[]> grads = new ArrayList<>();
            grads.add(input.grad().toDoubleArray());
            for (Variable p : params) grads.add(p.grad().toDoubleArray());
            return new Run(grads, peak);
        }
    }

    @Test
    void checkpointingKeepsGradientsAndCutsPeakGraphMemory() {
        Run plain = runStack(false);
        Run checkpointed = runStack(true);
        assertEquals(plain.grads().size(), checkpointed.grads().size());
        for (int i = 0; i < plain.grads().size(); i++) {
            assertArrayEquals(plain.grads().get(i), checkpointed.grads().get(i), "gradient " + i + " differs with checkpointing");
        }
        long nodeBytes = (long) ROWS * WIDTH * Double.BYTES;
        System.out.printf("16-block stack, peak live graph bytes: %d without checkpointing, %d with (one activation = %d)%n",
                plain.peakBytes(), checkpointed.peakBytes(), nodeBytes);
        // without: 5 activations per block are alive at once; with: one per block plus one block's insides
        assertTrue(plain.peakBytes() >= 5L * BLOCKS * nodeBytes, "plain run holds every block's activations");
        assertTrue(checkpointed.peakBytes() * 2 < plain.peakBytes(), "checkpointing must at least halve the peak");
    }

    @Test
    void withoutRecordingTheBlockSimplyRuns() {
        try (var ref = Autograd.backend(Backends.reference()); var off = Autograd.noGrad()) {
            Variable w = Variable.parameter(uniform(1, 0.5, 1.5, WIDTH));
            Variable b = Variable.parameter(uniform(2, -0.5, 0.5, WIDTH));
            Variable out = Checkpoint.run(block(w, b), List.of(Variable.constant(uniform(3, -1, 1, 2, WIDTH))));
            assertFalse(out.requiresGrad());
        }
    }

    @Test
    void gradcheckThroughACheckpointedBlock() {
        gradcheck(v -> Checkpoint.run(in -> Ops.mul(Ops.tanh(in.get(0)), in.get(1)), List.of(v.get(0), v.get(1))),
                uniform(4, -1, 1, 3, 4), uniform(5, -1, 1, 4));
    }

    @Test
    void parametersCapturedByABlockGetGradientsEvenWhenNoInputNeedsOne() {
        try (var ref = Autograd.backend(Backends.reference())) {
            Variable w = Variable.parameter(Tensor.of(new double[] {2, 3}, 2));
            Variable x = Variable.constant(Tensor.of(new double[] {5, 7}, 2));
            Ops.sumAll(Checkpoint.run(in -> Ops.mul(in.get(0), w), List.of(x))).backward();
            assertArrayEquals(new double[] {5, 7}, w.grad().toDoubleArray());
        }
    }
}
