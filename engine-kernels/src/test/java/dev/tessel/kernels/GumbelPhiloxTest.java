package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Philox-noise gumbel-softmax (Backend.gumbelSoftmaxPhilox) on the host backends: it is the
 * given-noise op applied to Philox.fillUniform's float uniforms, its hard output is the one-hot of
 * the soft sample's maximum, and the Cpu backend agrees with the Reference backend.
 */
class GumbelPhiloxTest {
    @Test
    void usesThePhiloxStreamAtTheLogicalFlatIndex() {
        Tensor logits = KernelTestSupport.random(DType.F32, 3, -2, 2, 4, 9);
        for (Backend b : new Backend[] {Backends.reference(), Backends.cpu()}) {
            GumbelSample s = b.gumbelSoftmaxPhilox(logits, 99, 5, GumbelCheck.TAU, -1, true);
            DalleOpsTestTensors.assertClose(GumbelCheck.hostSample(logits, 99, 5, -1), s.soft(), DType.F32, b.name() + " soft");
            KernelTestSupport.assertBitsEqual(b.argmaxOneHot(s.soft(), -1), s.hard(), b.name() + " hard");
            double ones = 0;
            for (long i = 0; i < s.hard().numel(); i++) ones += s.hard().getDouble(i);
            assertEquals(4, ones, b.name() + ": one 1 per row");
        }
    }

    @Test
    void cpuMatchesReference() {
        GumbelCheck.checkPhiloxSample(Backends.cpu(), List.of(DType.F32, DType.F16, DType.BF16));
    }
}
