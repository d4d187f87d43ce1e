package dev.tessel.cli.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./tessel data preview|check-reader} run in-process: outputs, exit codes and usage errors. */
class DataCommandsTest {
    @TempDir Path dir;

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void previewWritesAGridOfTheRequestedSize() throws Exception {
        Path png = dir.resolve("grid.png");
        Run r = run("data", "preview", "--split", "held-out", "--n", "4", "--cols", "2", "--scale", "1", "--out", png.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("wrote 4 held-out examples of shapes"), r.out());
        // Two 32 px columns with 2 px padding around each.
        assertEquals(2 * (32 + 2) + 2, ImageIO.read(png.toFile()).getWidth());
    }

    @Test
    void checkReaderReportsEachSplitAndATotal() {
        Run r = run("data", "check-reader", "--n", "30");
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(4, lines.length, r.out());
        assertTrue(lines[2].startsWith("held-out scenes 30"), lines[2]);
        assertTrue(lines[3].startsWith("total: 90 scenes") && lines[3].contains(" 0 errors, captions matched 90 of 90"), lines[3]);
    }

    @Test
    void badValuesAreUsageErrors() {
        Run split = run("data", "preview", "--split", "validation", "--out", dir.resolve("x.png").toString());
        assertEquals(2, split.status());
        assertTrue(split.err().contains("unknown split 'validation'"), split.err());
        Run channels = run("data", "preview", "--channels", "1", "--out", dir.resolve("x.png").toString());
        assertEquals(2, channels.status());
        assertTrue(channels.err().contains("--channels must be 3"), channels.err());
    }
}
