package dev.tessel.cli.golden;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The public golden cases (test resources {@code golden/}, a copy of shared/golden) run through the real
 * runner on both backends.
 *
 * <p>What it holds the engine to, so it tightens by itself as work lands: every field a handler returns
 * must pass; the forward outputs of the ops this issue requires must be among them; every other case may
 * fail only as "unsupported" (an op without handler, a gradient not wired yet), never by a mismatch, an
 * engine error or a malformed file.
 */
class GoldenCasesTest {
    /** Ops whose out.* (foundation issue) and grad.* (autograd issue) fields must all match. */
    private static final Set<String> REQUIRED_FORWARD = Set.of("conv2d", "layernorm", "gelu", "softmax_cross_entropy",
            "gumbel_softmax", "attention.masked", "attention.mask", "dvae.pixels", "dvae.encoder", "dvae.decoder", "adamw",
            "powersgd", "bpe.gpt2");

    private static Path goldenFolder() throws URISyntaxException {
        URL index = GoldenCasesTest.class.getClassLoader().getResource("golden/index.json");
        assertNotNull(index, "test resource golden/index.json is missing");
        return Path.of(index.toURI()).getParent();
    }

    private static List<CaseResult> runAll(Backend backend) throws Exception {
        List<CaseResult> results = new ArrayList<>();
        GoldenRunner.standard(backend).run(GoldenRunner.caseFiles(List.of(goldenFolder())), results::add);
        return results;
    }

    @Test
    void cpuBackend() throws Exception { checkAll(Backends.cpu()); }

    @Test
    void referenceBackend() throws Exception { checkAll(Backends.reference()); }

    private static void checkAll(Backend backend) throws Exception {
        List<CaseResult> results = runAll(backend);
        assertEquals(countIndexedCases() + 1, results.size(), "every indexed case file and bpe/bpe_cases.json (not indexed) was run");
        Set<String> seenRequired = new HashSet<>();
        for (CaseResult r : results) {
            String line = backend.name() + ": " + r.line();
            assertTrue(r.problem() == null || r.problem() == CaseResult.Problem.UNSUPPORTED_OP, line);
            assertTrue(r.onlyUnsupported() || r.passed(), line);
            for (FieldResult f : r.fields()) {
                assertNotEquals(FieldResult.Status.MISMATCH, f.status(), line);
            }
            if (REQUIRED_FORWARD.contains(r.op())) {
                seenRequired.add(r.op());
                List<FieldResult> outs = r.fields().stream().filter(f -> f.field().startsWith("out.")).toList();
                assertFalse(outs.isEmpty(), line);
                // the autograd issue requires their grad.* fields too: every field must pass
                for (FieldResult f : r.fields()) assertTrue(f.passed(), line + " / " + f);
            }
        }
        assertEquals(REQUIRED_FORWARD, seenRequired, "the public set has a case of every required op");
    }

    private static long countIndexedCases() throws Exception {
        Object index = Json.parse(Files.readString(goldenFolder().resolve("index.json")));
        return ((List<?>) ((Map<?, ?>) index).get("files")).size();
    }

    @Test
    void truncatedAndGarbageFilesAreOneFailEachAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        Path source = goldenFolder();
        byte[] good = Files.readAllBytes(source.resolve("gelu-01-erf.safetensors"));
        Files.write(dir.resolve("a-truncated.safetensors"), Arrays.copyOf(good, good.length - 100));
        byte[] garbage = new byte[64];
        ByteBuffer.wrap(garbage).order(ByteOrder.LITTLE_ENDIAN).putLong(40);
        System.arraycopy("this is not JSON {{{{".getBytes(StandardCharsets.US_ASCII), 0, garbage, 8, 21);
        Files.write(dir.resolve("b-garbage-header.safetensors"), garbage);
        byte[] absurd = good.clone();
        ByteBuffer.wrap(absurd).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE / 2);
        Files.write(dir.resolve("c-absurd-length.safetensors"), absurd);
        Files.write(dir.resolve("d-empty.safetensors"), new byte[0]);
        Files.write(dir.resolve("e-good.safetensors"), good);

        List<CaseResult> results = new ArrayList<>();
        GoldenSummary s = GoldenRunner.standard(Backends.reference()).run(GoldenRunner.caseFiles(List.of(dir)), results::add);
        assertEquals(5, results.size());
        for (CaseResult r : results.subList(0, 4)) {
            assertEquals(CaseResult.Problem.MALFORMED, r.problem(), r.line());
            assertTrue(r.line().startsWith("FAIL  " + r.caseName()) && r.line().contains("-- malformed: "), r.line());
            assertTrue(r.line().contains(r.caseName() + ".safetensors"), "the reason names the file: " + r.line());
        }
        assertTrue(results.get(4).field("out.y").orElseThrow().passed(), results.get(4).line());
        assertTrue(results.get(4).passed(), results.get(4).line());
        assertEquals("1 passed, 4 failed", s.line());
    }

    @Test
    void metadataWithoutOpOrWithBadAttrsIsMalformed(@TempDir Path dir) throws IOException {
        Path noOp = dir.resolve("no-op.safetensors");
        Safetensors.write(noOp, Map.of("out.y", Tensor.of(new float[] {1}, 1)), Map.of("attrs", "{}"));
        Path badAttrs = dir.resolve("bad-attrs.safetensors");
        Safetensors.write(badAttrs, Map.of("out.y", Tensor.of(new float[] {1}, 1)), Map.of("op", "gelu", "attrs", "{variant:"));
        GoldenRunner runner = GoldenRunner.standard(Backends.reference());
        assertTrue(runner.runFile(noOp).line().contains("-- malformed: no-op.safetensors: __metadata__ has no 'op'"), runner.runFile(noOp).line());
        assertTrue(runner.runFile(badAttrs).line().contains("-- malformed: bad-attrs.safetensors: __metadata__.attrs is not valid JSON"), runner.runFile(badAttrs).line());
    }
}
