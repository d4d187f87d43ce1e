// PlanCommandTest: `./tessel model plan` prints the paper's compression rate, the memory and the
// step-time lines for the 12b preset on the paper's cluster, and rejects a cluster that does not split.
package dev.tessel.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PlanCommandTest {
    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void plansThePapersCluster() {
        String[] r = run("model", "plan", "--preset", "12b", "--gpus", "1024", "--devices-per-machine", "8", "--powersgd-rank", "896");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("128 machines x 8, batch 1 per GPU"), r[1]);
        assertTrue(r[1].contains("1 - 5r/(8d)): 85.9%"), r[1]);
        assertTrue(r[1].contains("step time with PowerSGD: compute"), r[1]);
        assertTrue(r[1].contains("PowerSGD error buffers"), r[1]);
    }

    @Test
    void aClusterThatDoesNotSplitIsAUsageError() {
        String[] r = run("model", "plan", "--preset", "2.8b", "--gpus", "12", "--devices-per-machine", "8");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("multiple of --devices-per-machine"), r[2]);
    }
}
