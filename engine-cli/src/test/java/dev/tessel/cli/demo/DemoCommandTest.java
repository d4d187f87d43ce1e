package dev.tessel.cli.demo;

import dev.tessel.cli.Arguments;
import dev.tessel.kernels.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The demo's self-checks, the tiny DALL·E demo in-process, its GEMM check, and that the bundled golden cases are the public set. */
class DemoCommandTest {
    @Test
    void selfChecksRunEveryStepAndSummariseEachWithAStatusThatMatchesTheResult() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<DemoStep> steps = DemoCommand.steps(Backends.reference(), 1);
        boolean failed = DemoCommand.runChecks(steps, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        for (int i = 0; i < steps.size(); i++) {
            String header = "[" + (i + 1) + "/" + steps.size() + "] " + steps.get(i).title();
            assertTrue(lines.contains(header), "progress header " + header + " in\n" + String.join("\n", lines));
        }
        long caseLines = lines.stream().filter(l -> l.startsWith("  PASS  ") || l.startsWith("  FAIL  ")).count();
        assertEquals(BundledGolden.caseFileNames().size(), caseLines, "one line per bundled case");
        int summaryAt = lines.indexOf("Summary:");
        List<String> summary = lines.subList(summaryAt + 1, summaryAt + 1 + steps.size());
        boolean anyFailed = summary.stream().anyMatch(l -> l.strip().startsWith("FAILED"));
        assertEquals(anyFailed, failed, String.join("\n", lines));
        assertEquals(anyFailed ? "self-checks: FAILED" : "self-checks: done, nothing wrong", lines.getLast());
    }

    @Test
    void theTinyDemoEndsWithTheCaptionMatchLineAndWritesTheReport(@TempDir Path dir) throws Exception {
        DemoCommand demo = new DemoCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = demo.run(Arguments.parse("demo", demo.options(), List.of("--preset", "tiny", "--out", dir.resolve("demo").toString(),
                "--cache", dir.resolve("cache").toString())), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, status, String.join("\n", lines));
        assertTrue(lines.getLast().matches("caption_match_top1: [01]\\.\\d{3}"), lines.getLast());
        assertTrue(Files.readString(dir.resolve("demo/index.html")).contains("./tessel demo --preset tiny"));

        // generate reuses the demo's cached models: nothing is trained again
        var generate = new dev.tessel.cli.generate.GenerateCommand();
        ByteArrayOutputStream genOut = new ByteArrayOutputStream();
        int genStatus = generate.run(Arguments.parse("generate", generate.options(), List.of("a red circle above a blue square", "--n", "5", "--rerank", "2",
                "--preset", "tiny", "--cache", dir.resolve("cache").toString(), "--out", dir.resolve("gen").toString())),
                new PrintStream(genOut, true, StandardCharsets.UTF_8));
        List<String> genLines = genOut.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, genStatus, String.join("\n", genLines));
        assertEquals(0, genLines.stream().filter(l -> l.contains("training into")).count(), String.join("\n", genLines));
        assertTrue(Files.size(dir.resolve("gen/top.png")) > 0 && Files.size(dir.resolve("gen/ranked.png")) > 0);
        assertTrue(genLines.getLast().startsWith("wrote "), genLines.getLast());
    }

    @Test
    void generateNeedsExactlyOneCaption() {
        var generate = new dev.tessel.cli.generate.GenerateCommand();
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        var none = assertThrows(dev.tessel.cli.UsageException.class, () -> generate.run(Arguments.parse("generate", generate.options(), List.of()), sink));
        assertTrue(none.getMessage().contains("no caption"), none.getMessage());
        var both = assertThrows(dev.tessel.cli.UsageException.class,
                () -> generate.run(Arguments.parse("generate", generate.options(), List.of("--caption", "a red circle", "a blue star")), sink));
        assertTrue(both.getMessage().contains("once"), both.getMessage());
        var rerank = assertThrows(dev.tessel.cli.UsageException.class,
                () -> generate.run(Arguments.parse("generate", generate.options(), List.of("a red circle", "--n", "4", "--rerank", "5")), sink));
        assertTrue(rerank.getMessage().contains("--rerank"), rerank.getMessage());
    }

    @Test
    void anUnknownPresetIsAUsageErrorNamingTheChoices() {
        DemoCommand demo = new DemoCommand();
        var e = assertThrows(dev.tessel.cli.UsageException.class,
                () -> demo.run(Arguments.parse("demo", demo.options(), List.of("--preset", "huge")), new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("demo, tiny"), e.getMessage());
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
