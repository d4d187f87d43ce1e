// DvaeCommandsTest: the dvae commands end to end on the tiny preset at batch 2 for a few steps:
// train, resume, eval's last lines, encode -> decode, and the usage errors.
//
// Invariant: runs stay tiny (2-3 steps of 2 images, 8 eval images) so the class takes seconds.
package dev.tessel.cli.dvae;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DvaeCommandsTest {
    private static String run(Verb verb, String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = verb.run(Arguments.parse(verb.name(), verb.options(), List.of(args)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals(0, status);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void trainResumeEvalEncodeDecode(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        run(new DvaeTrainCommand(), "--out", out.toString(), "--steps", "2", "--batch", "2", "--checkpoint-every", "1");
        Path checkpoint = out.resolve("checkpoint.safetensors");
        String resumed = run(new DvaeTrainCommand(), "--out", out.toString(), "--resume", "--steps", "3");
        assertTrue(resumed.contains("resuming " + checkpoint + " at step 2 of 3"), resumed);
        List<String> log = Files.readAllLines(out.resolve("train-log.csv"));
        assertEquals(4, log.size(), "header + steps 1..3: " + log);
        assertTrue(log.get(3).startsWith("3,"), log.toString());
        // --kl-weight not given: the tiny preset's Gaussian likelihood goes with 1, not the paper's 6.6 (warm-up over by step 3)
        assertEquals(1.0, Double.parseDouble(log.get(3).split(",")[5]), log.toString());
        assertTrue(Files.size(out.resolve("loss.png")) > 0);

        String eval = run(new DvaeEvalCommand(), "--checkpoint", checkpoint.toString(), "--images", "8", "--batch", "4");
        List<String> lines = eval.strip().lines().toList();
        List<String> last = lines.subList(lines.size() - 4, lines.size());
        assertTrue(last.get(0).matches("elb_bits_per_dim: -?[0-9.]+"), eval);
        assertTrue(last.get(1).matches("psnr_db: [0-9.]+"), eval);
        assertTrue(last.get(2).matches("codebook_perplexity: [0-9.]+"), eval);
        assertTrue(last.get(3).matches("codebook_used: [0-9]+/512"), eval);
        // shapes: the reader's caption match on the originals (clean renders: all of them) and the reconstructions
        assertTrue(eval.contains("caption match (exact attribute reader), originals:       color 1.000  shape 1.000  count 1.000"), eval);
        assertTrue(eval.lines().anyMatch(l -> l.matches("caption match \\(exact attribute reader\\), reconstructions: color [01]\\.[0-9]{3} .* match [01]\\.[0-9]{3}")), eval);
        // and, by the drawn object's shape and size, how often the reconstructions keep it
        assertTrue(eval.lines().anyMatch(l -> l.matches("  small:( (circle|square|triangle|star) [01]\\.[0-9]{2} of [0-9]+( \\(else [a-z]+ [0-9]+\\))?,?)+")), eval);
        assertTrue(eval.lines().anyMatch(l -> l.startsWith("  large:")), eval);
        assertTrue(Files.size(out.resolve("reconstructions.png")) > 0);

        Path tokens = dir.resolve("tokens.safetensors");
        run(new DvaeEncodeCommand(), "--checkpoint", checkpoint.toString(), "--count", "3", "--out", tokens.toString());
        try (SafetensorsFile f = Safetensors.read(tokens)) {
            assertEquals(List.of(3, 64), List.of(f.shape("tokens").dim(0), f.shape("tokens").dim(1)));
            assertEquals("8", f.metadata().get("grid_size"));
        }
        Path png = dir.resolve("decoded.png");
        String decoded = run(new DvaeDecodeCommand(), "--checkpoint", checkpoint.toString(), "--tokens", tokens.toString(), "--out", png.toString());
        assertTrue(decoded.startsWith("decoded 3 images (32x32)"), decoded);
        assertTrue(Files.size(png) > 0);
    }

    @Test
    void mixedPrecisionTrainsLogsTheScaleAndResumesInMixed(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        String trained = run(new DvaeTrainCommand(), "--out", out.toString(), "--steps", "2", "--batch", "2", "--checkpoint-every", "1",
                "--precision", "mixed");
        assertTrue(trained.contains("mixed precision (one global loss scale)"), trained);
        assertTrue(trained.contains("mixed precision: loss scale 8203.36, 0 of 2 updates skipped"), trained);
        assertTrue(Files.size(out.resolve("loss-scale.png")) > 0);
        Path checkpoint = out.resolve("checkpoint.safetensors");
        try (SafetensorsFile f = Safetensors.read(checkpoint)) {
            assertEquals("mixed", f.metadata().get("precision"));
            assertEquals(8192 * Math.pow(2, 2 / 1000.0), f.tensor("grad_scale.global.scale").getDouble(0), 1e-9);
        }

        var switched = assertThrows(UsageException.class, () -> run(new DvaeTrainCommand(), "--out", out.toString(), "--resume", "--precision", "fp32"));
        assertTrue(switched.getMessage().contains("was trained with --precision mixed"), switched.getMessage());
        String resumed = run(new DvaeTrainCommand(), "--out", out.toString(), "--resume", "--steps", "3");
        assertTrue(resumed.contains("mixed precision: loss scale 8209.05, 0 of 3 updates skipped"), resumed);
        List<String> log = Files.readAllLines(out.resolve("train-log.csv"));
        assertEquals("step,loss,reconstruction_nll,kl,temperature,kl_weight,learning_rate,grad_norm,skipped,loss_scale,seconds", log.get(0));
        String[] third = log.get(3).split(",");
        assertEquals("3", third[0]);
        assertEquals("0", third[8], "not skipped");
        assertEquals(8192 * Math.pow(2, 3 / 1000.0), Double.parseDouble(third[9]), 1e-4, "the scale after 3 finite updates");
    }

    @Test
    void usageErrorsNameWhatIsMissing(@TempDir Path dir) {
        var badPrecision = assertThrows(UsageException.class, () -> run(new DvaeTrainCommand(), "--out", dir.toString(), "--precision", "fp16"));
        assertEquals("--precision must be fp32 or mixed, got 'fp16'", badPrecision.getMessage());
        var noOut = assertThrows(UsageException.class, () -> run(new DvaeTrainCommand(), "--steps", "2"));
        assertTrue(noOut.getMessage().contains("--out DIR is required"), noOut.getMessage());
        var noResume = assertThrows(UsageException.class, () -> run(new DvaeTrainCommand(), "--out", dir.toString(), "--resume"));
        assertTrue(noResume.getMessage().contains("no " + dir.resolve("checkpoint.safetensors") + " to resume from"), noResume.getMessage());
        var badData = assertThrows(UsageException.class, () -> run(new DvaeTrainCommand(), "--out", dir.toString(), "--data", "mnist-xyz"));
        assertTrue(badData.getMessage().contains("--data mnist-xyz: unknown data 'mnist-xyz'"), badData.getMessage());
        var noCheckpoint = assertThrows(UsageException.class, () -> run(new DvaeEvalCommand(), "--checkpoint", dir.resolve("none").toString()));
        assertTrue(noCheckpoint.getMessage().contains("no such file"), noCheckpoint.getMessage());
    }
}
