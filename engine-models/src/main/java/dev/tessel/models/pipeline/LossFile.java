// LossFile: a training run's loss history as text, one value per line, next to its checkpoint
// (for the stages whose checkpoint format has no room for it).
//
// Invariant: written atomically together with each checkpoint, so after a kill the history and
// the checkpoint describe the same step.
package dev.tessel.models.pipeline;

import dev.tessel.models.report.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Read and write of a loss history file. */
public final class LossFile {
    private LossFile() {}

    public static void write(Path path, float[] losses) {
        StringBuilder sb = new StringBuilder();
        for (float f : losses) sb.append(f).append('\n');
        AtomicFile.write(path, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The history at {@code path}, or an empty one when there is no file yet. */
    public static float[] read(Path path) {
        if (!Files.isRegularFile(path)) return new float[0];
        try {
            List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            float[] out = new float[lines.size()];
            for (int i = 0; i < out.length; i++) out[i] = Float.parseFloat(lines.get(i).strip());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the loss history " + path, e);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loss history " + path + " has a line that is not a number: " + e.getMessage(), e);
        }
    }
}
