// EvalCommandsTest: `./tessel eval fashion-mnist` end to end on models trained for a step or two:
// the per-class table, the grid, the cached classifier and the last line; and a missing --prior file.
package dev.tessel.cli.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandsTest {
    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void fashionMnistPrintsPerClassAccuracyAndTheMean(@TempDir Path dir) throws Exception {
        Path dvae = dir.resolve("dvae"), prior = dir.resolve("prior"), out = dir.resolve("eval");
        String[] d = run("dvae", "train", "--data", "fashion-mnist", "--out", dvae.toString(), "--steps", "1", "--batch", "2");
        assertEquals("0", d[0], d[2]);
        String ckpt = dvae.resolve("checkpoint.safetensors").toString();
        String[] p = run("prior", "train", "--dvae", ckpt, "--data", "fashion-mnist", "--preset", "tiny", "--pool", "16", "--batch", "4", "--steps", "2",
                "--bpe-vocab", "280", "--eval-batches", "1", "--out", prior.toString());
        assertEquals("0", p[0], p[2]);

        String[] e = run("eval", "fashion-mnist", "--dvae", ckpt, "--prior", prior.toString(), "--n", "2", "--classifier-steps", "2",
                "--classifier-batch", "4", "--real-images", "40", "--out", out.toString());
        assertEquals("0", e[0], e[2]);
        List<String> lines = e[1].strip().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("Trouser") && l.contains("\"a pair of trousers\"")), e[1]);
        assertTrue(lines.get(lines.size() - 2).matches("classifier_real_accuracy: [0-9.]+"), e[1]);
        assertTrue(lines.getLast().matches("generated_class_accuracy: [0-9.]+"), e[1]);
        assertTrue(Files.size(out.resolve("generated.png")) > 0 && Files.isRegularFile(out.resolve("classifier.safetensors")));

        String[] again = run("eval", "fashion-mnist", "--dvae", ckpt, "--prior", prior.toString(), "--n", "2", "--real-images", "40", "--out", out.toString());
        assertEquals("0", again[0], again[2]);
        assertTrue(again[1].contains("classifier: loaded"), again[1]);
    }

    @Test
    void aPriorFolderWithoutItsFilesIsNamed(@TempDir Path dir) {
        String[] e = run("eval", "fashion-mnist", "--dvae", dir.resolve("x").toString(), "--prior", dir.toString());
        assertTrue(!e[0].equals("0") && e[2].contains("has no prior.safetensors"), e[2]);
    }
}
