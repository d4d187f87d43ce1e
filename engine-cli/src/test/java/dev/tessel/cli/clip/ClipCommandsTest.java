// ./tessel clip train in-process: a short run writes its checkpoint, a second call with the same
// --out resumes and finds the budget spent; bad options are usage errors.
package dev.tessel.cli.clip;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipCommandsTest {
    private static List<String> run(Verb verb, List<String> argv) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = verb.run(Arguments.unparsed(verb.name(), argv), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, status, String.join("\n", lines));
        return lines;
    }

    @Test
    void trainWritesACheckpointAndASecondCallResumesIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("clip.safetensors");
        List<String> argv = new ArrayList<>(List.of("train", "--preset", "tiny", "--image-size", "16", "--steps", "3", "--batch", "4",
                "--checkpoint-every", "2", "--out", out.toString()));
        List<String> first = run(ClipCommands.verb(), argv);
        assertTrue(Files.size(out) > 0);
        assertTrue(first.stream().anyMatch(l -> l.startsWith("step 3 of 3 ")), String.join("\n", first));
        List<String> second = run(ClipCommands.verb(), argv);
        assertTrue(second.getFirst().contains("resuming " + out), second.getFirst());
        assertTrue(second.stream().anyMatch(l -> l.startsWith("step 3 of 3 ")), String.join("\n", second));
    }

    @Test
    void shapeTwinsAndDvaeReconstructionsTrain(@TempDir Path dir) throws Exception {
        Path dvaeDir = dir.resolve("dvae");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream sink = new PrintStream(log, true, StandardCharsets.UTF_8);
        int dvae = dev.tessel.cli.Main.run(new String[] {"dvae", "train", "--out", dvaeDir.toString(), "--steps", "1", "--batch", "2"}, sink, sink, false);
        assertEquals(0, dvae, log.toString(StandardCharsets.UTF_8));
        Path out = dir.resolve("clip.safetensors");
        List<String> lines = run(ClipCommands.verb(), List.of("train", "--preset", "tiny", "--steps", "2", "--batch", "4", "--shape-twins", "--binding-twins",
                "--separate-colour", "--dvae", dvaeDir.resolve("checkpoint.safetensors").toString(), "--out", out.toString()));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("step 2 of 2 ")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("reranker ") && l.contains("\"separate_colour\":true")), String.join("\n", lines));
        // a dVAE of another image size is refused, naming both sizes
        var e = assertThrows(IllegalArgumentException.class, () -> run(ClipCommands.verb(), List.of("train", "--preset", "tiny", "--image-size", "16",
                "--steps", "1", "--batch", "4", "--dvae", dvaeDir.resolve("checkpoint.safetensors").toString(), "--out", dir.resolve("b").toString())));
        assertTrue(e.getMessage().contains("3x32x32") && e.getMessage().contains("3x16x16"), e.getMessage());
    }

    @Test
    void badOptionsAreUsageErrorsThatSayWhatWasExpected(@TempDir Path dir) {
        Verb clip = ClipCommands.verb();
        var preset = assertThrows(UsageException.class, () -> run(clip, List.of("train", "--preset", "huge", "--out", dir.resolve("a").toString())));
        assertTrue(preset.getMessage().contains("tiny or small"), preset.getMessage());
        var data = assertThrows(UsageException.class, () -> run(clip, List.of("train", "--data", "cifar")));
        assertTrue(data.getMessage().contains("shapes"), data.getMessage());
        var steps = assertThrows(UsageException.class, () -> run(clip, List.of("train", "--steps", "0")));
        assertTrue(steps.getMessage().contains("--steps"), steps.getMessage());
        var binding = assertThrows(UsageException.class, () -> run(clip, List.of("train", "--binding-twins", "--out", dir.resolve("c").toString())));
        assertTrue(binding.getMessage().contains("--shape-twins"), binding.getMessage());
    }
}
