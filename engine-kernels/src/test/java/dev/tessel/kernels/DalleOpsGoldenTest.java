package dev.tessel.kernels;

import static dev.tessel.kernels.DalleOpsTestTensors.assertClose;
import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The public golden cases of the DALL·E ops (copies of shared/golden in test resources):
 * gumbel_softmax-*, attention.masked-*, dvae.pixels-*, on the Reference and the Cpu backend.
 * Every size and hyper-parameter is read from the file; tolerances are FORMAT.md section 2's.
 */
class DalleOpsGoldenTest {
    private static final Backend[] BACKENDS = {Backends.reference(), Backends.cpu()};

    @TestFactory
    Stream<DynamicTest> gumbelSoftmax() { return cases("gumbel_softmax-", DalleOpsGoldenTest::checkGumbel); }

    @TestFactory
    Stream<DynamicTest> maskedAttention() { return cases("attention.masked-", DalleOpsGoldenTest::checkAttention); }

    @TestFactory
    Stream<DynamicTest> dvaePixels() { return cases("dvae.pixels-", DalleOpsGoldenTest::checkPixels); }

    private interface CaseCheck { void run(Backend b, SafetensorsFile f, Map<?, ?> attrs); }

    private static Stream<DynamicTest> cases(String prefix, CaseCheck check) {
        List<Path> files = goldenFiles(prefix);
        assertFalse(files.isEmpty(), "no golden case " + prefix + "* in test resources");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : files) {
            for (Backend b : BACKENDS) {
                tests.add(DynamicTest.dynamicTest(p.getFileName() + " on " + b.name(), () -> {
                    try (SafetensorsFile f = Safetensors.read(p)) {
                        Map<?, ?> attrs = (Map<?, ?>) Json.parse(f.metadata().get("attrs"));
                        check.run(b, f, attrs);
                    }
                }));
            }
        }
        return tests.stream();
    }

    static List<Path> goldenFiles(String prefix) {
        try {
            Path dir = Path.of(DalleOpsGoldenTest.class.getResource("/golden").toURI());
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".safetensors")).sorted().toList();
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the golden test resources", e);
        }
    }

    private static void checkGumbel(Backend b, SafetensorsFile f, Map<?, ?> attrs) {
        double tau = ((Number) attrs.get("tau")).doubleValue();
        int axis = ((Number) attrs.get("dim")).intValue();
        Tensor logits = f.tensor("in.logits"), u = f.tensor("in.u"), w = f.tensor("in.w");
        Tensor y = b.gumbelSoftmax(logits, u, tau, axis);
        assertClose(f.tensor("out.y"), y, 1e-5, 1e-4, "out.y");
        Tensor grad = b.gumbelSoftmaxBackward(y, w, tau, axis);
        assertClose(f.tensor("grad.logits"), grad, 1e-5, 1e-4, "grad.logits");
        assertClose(f.tensor("grad.logits_hard"), grad, 1e-5, 1e-4, "grad.logits_hard (straight-through)");
        Tensor hot = b.argmaxOneHot(y, axis);
        assertClose(f.tensor("out.y_hard"), hot, 0, 0, "out.y_hard");
        // out.argmax [B, H, W] is the class index of the one-hot along the axis
        Tensor expected = f.tensor("out.argmax");
        int classes = y.dim(axis);
        long inner = y.numel() / ((long) y.dim(0) * classes);
        for (long o = 0; o < expected.numel(); o++) {
            long batch = o / inner, rest = o % inner;
            int found = -1;
            for (int c = 0; c < classes; c++) if (hot.getDouble((batch * classes + c) * inner + rest) == 1.0) found = c;
            assertEquals(expected.getLong(o), found, "out.argmax at " + o);
        }
    }

    private static void checkAttention(Backend b, SafetensorsFile f, Map<?, ?> attrs) {
        Tensor q = f.tensor("in.q"), k = f.tensor("in.k"), v = f.tensor("in.v"), mask = f.tensor("in.mask"), w = f.tensor("in.w");
        assertEquals(((Number) attrs.get("T")).intValue(), q.dim(2), "attrs.T vs in.q");
        assertClose(f.tensor("out.out"), b.maskedAttention(q, k, v, mask), 1e-5, 1e-4, "out.out");
        Tensor[] grads = b.maskedAttentionBackward(q, k, v, mask, w);
        assertClose(f.tensor("grad.q"), grads[0], 1e-5, 1e-4, "grad.q");
        assertClose(f.tensor("grad.k"), grads[1], 1e-5, 1e-4, "grad.k");
        assertClose(f.tensor("grad.v"), grads[2], 1e-5, 1e-4, "grad.v");
    }

    private static void checkPixels(Backend b, SafetensorsFile f, Map<?, ?> attrs) {
        double eps = ((Number) attrs.get("logit_laplace_eps")).doubleValue();
        assertClose(f.tensor("out.mapped"), b.mapPixels(f.tensor("in.x"), eps), 1e-6, 1e-5, "out.mapped");
        assertClose(f.tensor("out.unmapped"), b.unmapPixels(f.tensor("in.y"), eps), 1e-6, 1e-5, "out.unmapped");
        Tensor x = f.tensor("out.mapped"), mu = f.tensor("in.mu"), lnB = f.tensor("in.ln_b");
        assertClose(f.tensor("out.nll_elem"), b.logitLaplaceNll(x, mu, lnB), 1e-5, 1e-5, "out.nll_elem");
        assertClose(f.tensor("out.nll"), b.logitLaplaceNllSum(x, mu, lnB), 0, 1e-5, "out.nll");
        Tensor[] grads = b.logitLaplaceNllBackward(x, mu, lnB, Tensor.full(DType.F32, 1.0, 1));
        assertClose(f.tensor("grad.mu"), grads[0], 1e-5, 1e-5, "grad.mu");
        assertClose(f.tensor("grad.ln_b"), grads[1], 1e-5, 1e-5, "grad.ln_b");
    }
}
