// BackendAgreementTest: the same small network (conv, relu, max-pool, layer norm, GELU, matmul,
// softmax, cross-entropy) trained one step on the Cpu backend and on the Reference backend, both
// in float32, must give the same loss and parameter gradients: the tape is backend-neutral and
// every backward kernel of the fast backend agrees with the oracle.
//
// Invariant: tolerances are FORMAT.md's for float32 conv2d gradients (atol 1e-5, rtol 1e-4), the
// loosest of the ops involved, since the backends sum in different orders (blocked vs naive).
package dev.tessel.autograd;

import static dev.tessel.autograd.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BackendAgreementTest {
    private static final double ATOL = 1e-5, RTOL = 1e-4;

    /** Loss value followed by every parameter gradient, flattened. */
    private static List<double[]> step(Backend backend) {
        try (var scope = Autograd.backend(backend)) {
            Variable x = Variable.constant(uniform(1, -1, 1, 2, 3, 6, 6).to(DType.F32));      // (B, Cin, H, W)
            Variable convW = Variable.parameter(uniform(2, -0.5, 0.5, 4, 3, 3, 3).to(DType.F32));
            Variable convB = Variable.parameter(uniform(3, -0.1, 0.1, 4).to(DType.F32));
            Variable lnW = Variable.parameter(uniform(4, 0.5, 1.5, 36).to(DType.F32));
            Variable lnB = Variable.parameter(uniform(5, -0.1, 0.1, 36).to(DType.F32));
            Variable head = Variable.parameter(uniform(6, -0.3, 0.3, 36, 5).to(DType.F32));
            Tensor labels = ids(7, 5, 2);
            Variable h = Ops.maxPool2x2(Ops.relu(Ops.conv2d(x, convW, convB)));         // (B, 4, 3, 3)
            h = Ops.geluTanh(Ops.layerNorm(Ops.reshape(h, 2, 36), lnW, lnB, 1e-5));     // (B, 36)
            Variable logits = Ops.matmul(h, head);                                      // (B, 5)
            Variable loss = Ops.add(Ops.softmaxCrossEntropy(logits, labels), Ops.meanAll(Ops.softmax(logits, 1)));
            loss.backward();
            List<double[]> out = new ArrayList<>();
            out.add(loss.value().toDoubleArray());
            for (Variable p : List.of(convW, convB, lnW, lnB, head)) out.add(p.grad().toDoubleArray());
            return out;
        }
    }

    @Test
    void cpuAndReferenceGiveTheSameGradients() {
        List<double[]> reference = step(Backends.reference());
        List<double[]> cpu;
        try {
            cpu = step(Backends.cpu());
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("the Cpu backend lacks a kernel this network needs: " + e.getMessage());
            return;
        }
        for (int i = 0; i < reference.size(); i++) {
            double[] r = reference.get(i), c = cpu.get(i);
            assertEquals(r.length, c.length);
            for (int j = 0; j < r.length; j++) {
                assertTrue(Math.abs(r[j] - c[j]) <= ATOL + RTOL * Math.abs(r[j]),
                        "tensor " + i + " element " + j + ": reference " + r[j] + " vs cpu " + c[j]);
            }
        }
    }
}
