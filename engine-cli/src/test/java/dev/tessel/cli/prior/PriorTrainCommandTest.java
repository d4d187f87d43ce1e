// PriorTrainCommandTest: `./tessel prior train --dist local` prints rank 0's losses once per step,
// and the loss of 2 thread ranks equals the single-rank run on the same global batch; with --dvae it
// trains on a dVAE's cached tokens and BPE captions, and a killed-and-resumed run prints the losses
// an unbroken one does; bad input gets a message naming the problem.
package dev.tessel.cli.prior;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriorTrainCommandTest {
    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    private static double[] losses(String output) {
        return output.lines().filter(l -> l.startsWith("step ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[3])).toArray();
    }

    @Test
    void twoThreadRanksPrintTheSameLossesAsOne() {
        String[] two = run("prior", "train", "--dist", "local", "--ranks", "2", "--steps", "2", "--batch", "2");
        String[] one = run("prior", "train", "--dist", "local", "--ranks", "1", "--steps", "2", "--batch", "2");
        assertEquals("0", two[0], two[2]);
        assertEquals("0", one[0], one[2]);
        assertTrue(two[1].contains("2 machines x 1 devices") && two[1].contains("batch 2 = 1 per rank"), two[1]);
        double[] a = losses(two[1]), b = losses(one[1]);
        assertEquals(2, a.length, two[1]);
        // printed to 5 decimals; the runs differ by fp32 round-off only
        for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 2e-5, Arrays.toString(a) + " vs " + Arrays.toString(b));
    }

    @Test
    void aBatchThatDoesNotSplitNamesBoth() {
        String[] r = run("prior", "train", "--dist", "local", "--ranks", "2", "--steps", "1", "--batch", "3");
        assertTrue(!r[0].equals("0"), "a bad batch must fail: " + r[1]);
        assertTrue((r[1] + r[2]).contains("--batch 3 does not split over 2 ranks"), r[2]);
    }

    @Test
    void trainsOnDvaeTokensAndResumesWhereAnUnbrokenRunWouldBe(@TempDir Path dir) throws Exception {
        Path dvaeDir = dir.resolve("dvae");
        String[] dvae = run("dvae", "train", "--out", dvaeDir.toString(), "--steps", "1", "--batch", "2");
        assertEquals("0", dvae[0], dvae[2]);
        String ckpt = dvaeDir.resolve("checkpoint.safetensors").toString();
        String[] common = {"prior", "train", "--dvae", ckpt, "--data", "shapes", "--preset", "tiny", "--pool", "16", "--batch", "4", "--bpe-vocab", "300"};

        Path broken = dir.resolve("broken"), unbroken = dir.resolve("unbroken");
        String[] first = run(concat(common, "--steps", "3", "--checkpoint-every", "2", "--out", broken.toString()));
        assertEquals("0", first[0], first[2]);
        assertTrue(first[1].contains("tokenised 16 train images with the dVAE"), first[1]);
        assertTrue(first[1].contains("learned a BPE of 300 ids"), first[1]);
        String[] again = run(concat(common, "--steps", "5", "--out", broken.toString()));
        assertTrue(!again[0].equals("0") && again[2].contains("pass --resume"), "an existing checkpoint is never overwritten: " + again[2]);
        String[] resumed = run(concat(common, "--steps", "5", "--out", broken.toString(), "--resume"));
        assertEquals("0", resumed[0], resumed[2]);
        assertTrue(resumed[1].contains("reusing 16 dVAE-tokenised images"), resumed[1]);
        assertTrue(resumed[1].contains("at step 3 of 5"), resumed[1]);
        String[] whole = run(concat(common, "--steps", "5", "--out", unbroken.toString()));
        assertEquals("0", whole[0], whole[2]);

        double[] tail = losses(resumed[1]), all = losses(whole[1]);
        assertEquals(2, tail.length, resumed[1]);
        assertArrayEquals(new double[] {all[3], all[4]}, tail, 0, "steps 4 and 5 after a resume equal the unbroken run's");
        assertEquals(5, Files.readAllLines(broken.resolve("losses.txt")).size());
        assertTrue(whole[1].matches("(?s).*held_out_loss: [0-9.]+ \\(text [0-9.]+, image [0-9.]+; 8 batches of 4 from the test split.*"), whole[1]);
        assertTrue(Files.size(broken.resolve("loss.png")) > 0 && Files.isRegularFile(broken.resolve("bpe.json")));

        common[7] = "small";
        String[] otherShape = run(concat(common, "--steps", "6", "--out", broken.toString(), "--resume"));
        assertTrue(!otherShape[0].equals("0") && (otherShape[1] + otherShape[2]).contains("holds a model of another shape"), otherShape[2]);
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) {
        String[] noOut = run("prior", "train", "--dvae", dir.resolve("x.safetensors").toString());
        assertTrue(!noOut[0].equals("0") && noOut[2].contains("--dvae needs --out DIR"), noOut[2]);
        String[] preset = run("prior", "train", "--preset", "huge");
        assertTrue(!preset[0].equals("0") && preset[2].contains("unknown preset 'huge'"), preset[2]);
        String[] nothing = run("prior", "train", "--out", dir.toString(), "--resume");
        assertTrue(!nothing[0].equals("0") && nothing[2].contains("no checkpoint"), nothing[2]);
        String[] fmnist = run("prior", "train", "--data", "fashion-mnist");
        assertTrue(!fmnist[0].equals("0") && fmnist[2].contains("needs --dvae"), fmnist[2]);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
