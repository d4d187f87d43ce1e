package dev.tessel.cli.demo;

import dev.tessel.cli.Arguments;
import dev.tessel.kernels.Backends;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The demo end to end in-process, its GEMM check, and that the cases bundled in the jar are the public set. */
class DemoCommandTest {
    @Test
    void runsEveryStepAndSummarisesEachWithAStatusThatMatchesTheExitCode() throws Exception {
        DemoCommand demo = new DemoCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = demo.run(Arguments.parse("demo", demo.options(), List.of("--backend", "reference")), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        List<DemoStep> steps = DemoCommand.steps(Backends.reference(), 1);
        for (int i = 0; i < steps.size(); i++) {
            String header = "[" + (i + 1) + "/" + steps.size() + "] " + steps.get(i).title();
            assertTrue(lines.contains(header), "progress header " + header + " in\n" + String.join("\n", lines));
        }
        long caseLines = lines.stream().filter(l -> l.startsWith("  PASS  ") || l.startsWith("  FAIL  ")).count();
        assertEquals(BundledGolden.caseFileNames().size(), caseLines, "one line per bundled case");
        int summaryAt = lines.indexOf("Summary:");
        List<String> summary = lines.subList(summaryAt + 1, summaryAt + 1 + steps.size());
        boolean anyFailed = summary.stream().anyMatch(l -> l.strip().startsWith("FAILED"));
        assertEquals(anyFailed ? 1 : 0, status, String.join("\n", lines));
        assertEquals(anyFailed ? "demo: FAILED" : "demo: done, nothing wrong", lines.getLast());
    }

    @Test
    void gemmCheckPassesAtOddSizes() throws Exception {
        for (int[] s : new int[][] {{1, 1, 1}, {7, 33, 5}, {33, 17, 65}}) {
            DemoStep.Outcome o = new GemmCheckStep(s[0], s[1], s[2], 11).run(new PrintStream(new ByteArrayOutputStream()));
            assertEquals(DemoStep.Status.OK, o.status(), o.summary());
        }
    }

    @Test
    void bundledCasesAreByteForByteThePublicSet() throws Exception {
        URL index = getClass().getClassLoader().getResource("golden/index.json");
        assertNotNull(index);
        Path testCopy = Path.of(index.toURI()).getParent();
        List<String> names = BundledGolden.caseFileNames();
        try (BundledGolden.Extracted bundled = BundledGolden.extract()) {
            for (String name : names) {
                assertArrayEquals(Files.readAllBytes(testCopy.resolve(name)), Files.readAllBytes(bundled.dir().resolve(name)), name);
            }
            try (var files = Files.list(testCopy)) {
                assertEquals(files.filter(p -> p.toString().endsWith(".safetensors")).count(), names.size());
            }
        }
    }
}
