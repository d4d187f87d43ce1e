package dev.tessel.cli.golden;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The golden verb's output shape and exit status, on synthetic cases named after their files. */
class GoldenCommandTest {
    /** Files named "pass-*" hold a correct case, "fail-*" one with a wrong expected value. */
    private static GoldenCommand command() {
        CaseReader reader = f -> {
            String name = GoldenRunner.caseNameOf(f);
            return SyntheticCases.scaleCase(name, 2, name.startsWith("fail") ? 1f : 0f, false);
        };
        return new GoldenCommand(backend -> new GoldenRunner(reader, Map.of("conv2d", new SyntheticCases.ScaleHandler()), backend));
    }

    private static String[] run(GoldenCommand cmd, int expectedStatus, String... argv) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = cmd.run(Arguments.parse(cmd.name(), cmd.options(), List.of(argv)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(expectedStatus, status, String.join("\n", lines));
        return lines;
    }

    private static Path folder(Path dir, String... files) throws IOException {
        Files.createDirectories(dir);
        for (String f : files) Files.writeString(dir.resolve(f), "");
        return dir;
    }

    @Test
    void allPassingExitsZeroWithOneLinePerCaseAndTheSummary(@TempDir Path tmp) throws Exception {
        Path a = folder(tmp.resolve("a"), "pass-1.safetensors", "notes.txt");
        Path b = folder(tmp.resolve("b"), "pass-2.safetensors");
        String[] lines = run(command(), 0, a.toString(), b.toString());
        assertEquals(3, lines.length);
        assertTrue(lines[0].startsWith("PASS  pass-1") && lines[1].startsWith("PASS  pass-2"));
        assertEquals("2 passed, 0 failed", lines[2]);
    }

    @Test
    void anyFailureExitsOne(@TempDir Path tmp) throws Exception {
        Path a = folder(tmp, "pass-1.safetensors", "fail-1.safetensors");
        String[] lines = run(command(), 1, "--fields", a.toString());
        assertTrue(lines[0].startsWith("FAIL  fail-1") && lines[0].contains("mismatch: out.y"), lines[0]);
        assertTrue(lines[1].strip().startsWith("MISMATCH  out.y"), lines[1]);
        assertEquals("1 passed, 1 failed", lines[lines.length - 1]);
    }

    @Test
    void aFolderWithoutCasesFails(@TempDir Path tmp) throws Exception {
        String[] lines = run(command(), 1, folder(tmp, "readme.md").toString());
        assertEquals("0 passed, 0 failed", lines[lines.length - 1]);
    }

    @Test
    void missingOrNonFolderArgumentsAreUsageErrors(@TempDir Path tmp) throws Exception {
        GoldenCommand cmd = command();
        assertThrows(UsageException.class, () -> run(cmd, 2));
        UsageException e = assertThrows(UsageException.class, () -> run(cmd, 2, tmp.resolve("nope").toString()));
        assertTrue(e.getMessage().contains("is not a folder"), e.getMessage());
        assertThrows(UsageException.class, () -> run(cmd, 2, "--backend", "gpu", tmp.toString()));
    }
}
