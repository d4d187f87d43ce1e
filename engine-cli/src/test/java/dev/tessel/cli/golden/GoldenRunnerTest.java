package dev.tessel.cli.golden;

import dev.tessel.kernels.Backends;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The runner's verdicts on synthetic cases: pass, mismatch, unsupported field/op, engine error, malformed file. */
class GoldenRunnerTest {
    private static GoldenRunner runner(CaseReader reader, Map<String, CaseHandler> handlers) {
        return new GoldenRunner(reader, handlers, Backends.reference());
    }

    private static CaseResult runOne(GoldenCase c, CaseHandler handler) throws Exception {
        try (c) {
            return runner(f -> c, Map.of("conv2d", handler)).runCase(c);
        }
    }

    @Test
    void allFieldsWithinToleranceIsAPass() throws Exception {
        CaseResult r = runOne(SyntheticCases.scaleCase("ok", 1.5, 0f, false), new SyntheticCases.ScaleHandler());
        assertTrue(r.passed(), r.line());
        assertTrue(r.line().startsWith("PASS  ok"), r.line());
        assertTrue(r.line().contains("out.y") && r.line().contains("max_abs_err 0.00e+00") && r.line().contains("tol atol 1e-05 rtol 1e-04"), r.line());
    }

    @Test
    void aValueOutsideToleranceIsAMismatchNamingTheField() throws Exception {
        CaseResult r = runOne(SyntheticCases.scaleCase("off", 2, 0.01f, false), new SyntheticCases.ScaleHandler());
        assertFalse(r.passed());
        assertFalse(r.onlyUnsupported());
        assertEquals(FieldResult.Status.MISMATCH, r.field("out.y").orElseThrow().status());
        assertTrue(r.line().startsWith("FAIL  off") && r.line().contains("mismatch: out.y (1 of 6 elements outside"), r.line());
        assertTrue(r.line().contains("max_abs_err 1.00e-02"), r.line());
    }

    @Test
    void aFieldTheHandlerDoesNotReturnFailsAsUnsupportedWithItsReason() throws Exception {
        CaseResult r = runOne(SyntheticCases.scaleCase("nograd", 1, 0f, true), new SyntheticCases.ScaleHandler());
        assertFalse(r.passed());
        assertTrue(r.onlyUnsupported());
        assertTrue(r.field("out.y").orElseThrow().passed());
        assertTrue(r.line().endsWith("-- unsupported: grad.x (autograd not implemented yet)"), r.line());
    }

    @Test
    void anOpWithoutHandlerIsUnsupportedOp() throws Exception {
        GoldenCase c = SyntheticCases.scaleCase("nohandler", 1, 0f, false);
        try (c) {
            CaseResult r = runner(f -> c, Map.of()).runCase(c);
            assertTrue(r.line().endsWith("-- unsupported op: conv2d"), r.line());
            assertTrue(r.onlyUnsupported());
        }
    }

    @Test
    void anUnimplementedKernelMakesEveryFieldUnsupported() throws Exception {
        CaseHandler notWritten = (c, b) -> { throw new UnsupportedOperationException("ReferenceConv.conv2d: not written yet"); };
        CaseResult r = runOne(SyntheticCases.scaleCase("kernel", 1, 0f, true), notWritten);
        assertTrue(r.onlyUnsupported());
        assertTrue(r.line().contains("unsupported: out.y, grad.x (ReferenceConv.conv2d: not written yet)"), r.line());
    }

    @Test
    void anEngineExceptionIsAnErrorNotACrash() throws Exception {
        CaseHandler broken = (c, b) -> { throw new IllegalArgumentException("conv2d: x [1, 2] vs weight [3]"); };
        CaseResult r = runOne(SyntheticCases.scaleCase("broken", 1, 0f, false), broken);
        assertFalse(r.onlyUnsupported());
        assertTrue(r.line().endsWith("-- error: conv2d: x [1, 2] vs weight [3]"), r.line());
    }

    @Test
    void aMissingInputOrAttrIsMalformed() throws Exception {
        CaseHandler wantsBias = (c, b) -> Map.of("out.y", c.tensor("param.bias"));
        CaseResult r = runOne(SyntheticCases.scaleCase("nobias", 1, 0f, false), wantsBias);
        assertTrue(r.line().contains("-- malformed: nobias: no tensor 'param.bias'"), r.line());
        CaseHandler wantsEps = (c, b) -> {
            c.attrs().number("eps");
            return Map.of();
        };
        CaseResult noEps = runOne(SyntheticCases.scaleCase("noeps", 1, 0f, false), wantsEps);
        assertTrue(noEps.line().contains("-- malformed: noeps: attrs has no 'eps'"), noEps.line());
    }

    @Test
    void aCaseWithNothingToCheckIsMalformed() throws Exception {
        GoldenCase c = new GoldenCase("inputs-only", "conv2d", new CaseAttrs("inputs-only", Map.of()),
                Map.of("in.x", Tensor.of(new float[] {1}, 1)), null);
        CaseResult r = runOne(c, new SyntheticCases.ScaleHandler());
        assertFalse(r.passed() || r.onlyUnsupported());
        assertTrue(r.line().endsWith("-- malformed: inputs-only: no out.* or grad.* tensors to check"), r.line());
    }

    @Test
    void aMalformedFileIsOneFailAndTheRunGoesOn(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("a-bad.safetensors"), "junk");
        Path good = Files.writeString(dir.resolve("b-good.safetensors"), "fine");
        CaseReader reader = f -> {
            if (f.equals(bad)) throw new MalformedCaseException("a-bad.safetensors: header length 1e18 exceeds the file size 4");
            return SyntheticCases.scaleCase("b-good", 3, 0f, false);
        };
        List<CaseResult> seen = new ArrayList<>();
        GoldenSummary s = runner(reader, Map.of("conv2d", new SyntheticCases.ScaleHandler())).run(List.of(bad, good), seen::add);
        assertEquals(2, seen.size());
        assertEquals("FAIL  a-bad                                 -- malformed: a-bad.safetensors: header length 1e18 exceeds the file size 4", seen.get(0).line());
        assertTrue(seen.get(1).passed());
        assertEquals("1 passed, 1 failed", s.line());
    }

    @Test
    void onlySafetensorsFilesDirectlyInTheFoldersAreCases(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("b.safetensors"), "");
        Files.writeString(dir.resolve("a.safetensors"), "");
        Files.writeString(dir.resolve("index.json"), "{}");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/c.safetensors"), "");
        Files.createDirectories(dir.resolve("d.safetensors"));
        assertEquals(List.of(dir.resolve("a.safetensors"), dir.resolve("b.safetensors")), GoldenRunner.caseFiles(List.of(dir)));
        assertThrows(IllegalArgumentException.class, () -> GoldenRunner.caseFiles(List.of(dir.resolve("index.json"))));
    }
}
