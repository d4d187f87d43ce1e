// PriorTrainCommandTest: `./tessel prior train --dist local` prints rank 0's losses once per step,
// and the loss of 2 thread ranks equals the single-rank run on the same global batch.
package dev.tessel.cli.prior;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

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
}
