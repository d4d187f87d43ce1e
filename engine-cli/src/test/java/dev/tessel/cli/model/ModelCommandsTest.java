package dev.tessel.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.cli.Main;
import dev.tessel.models.transformer.TextToImageTransformer;
import dev.tessel.models.transformer.TransformerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code ./tessel model info}: the first line is the exact count; a tiny layer runs; a bad preset is a usage error. */
class ModelCommandsTest {
    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void infoPrintsTheExactCountFirst() {
        String[] r = run("model", "info", "--preset", "12b");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].startsWith("parameters: " + TextToImageTransformer.parameterCount(TransformerConfig.dalle12b()) + System.lineSeparator()), r[1]);
        assertTrue(r[1].contains("Adam moments") && r[1].contains("GiB"), r[1]);
    }

    @Test
    void runLayerTimesOneTinyLayer() {
        String[] r = run("model", "info", "--preset", "tiny", "--run-layer", "--text", "4", "--grid", "2", "--reps", "1");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("forward + backward at T=8: median"), r[1]);
    }

    @Test
    void anUnknownPresetNamesTheKnownOnes() {
        String[] r = run("model", "info", "--preset", "huge");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("unknown preset 'huge'; expected one of " + TransformerConfig.PRESETS), r[2]);
    }
}
