package dev.tessel.cli.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.cli.Main;
import dev.tessel.tensor.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./tessel bpe encode|train} in-process: output lines match the golden ids; mistakes are usage errors. */
class BpeCommandsTest {
    private static final Path GPT2 = Path.of("src/test/resources/golden/bpe");

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void encodeJsonlPrintsTheGoldenIdsOneLinePerText(@TempDir Path dir) throws Exception {
        List<?> cases = (List<?>) ((Map<?, ?>) Json.parse(Files.readString(GPT2.resolve("bpe_cases.json")))).get("cases");
        StringBuilder input = new StringBuilder(), expected = new StringBuilder();
        for (Object o : cases) {
            Map<?, ?> c = (Map<?, ?>) o;
            input.append(Json.write(c.get("text"))).append('\n');
            expected.append(((List<?>) c.get("ids")).stream().map(String::valueOf).collect(Collectors.joining(" "))).append('\n');
        }
        Path file = dir.resolve("texts.jsonl");
        Files.writeString(file, input);
        Run r = run("bpe", "encode", "--gpt2", GPT2.toString(), "--input", file.toString(), "--jsonl");
        assertEquals(0, r.status(), r.err());
        assertEquals(expected.toString(), r.out().replace("\r\n", "\n"));
    }

    @Test
    void trainThenEncodeWithTheSavedVocabulary(@TempDir Path dir) throws Exception {
        Path captions = dir.resolve("captions.txt"), vocab = dir.resolve("bpe.json"), one = dir.resolve("one.txt");
        Files.writeString(captions, "a red circle above a blue square\na green triangle left of a red circle\n");
        Files.writeString(one, "A red circle\n");
        Run trained = run("bpe", "train", "--input", captions.toString(), "--vocab", "280", "--out", vocab.toString());
        assertEquals(0, trained.status(), trained.err());
        assertTrue(Files.exists(vocab) && trained.out().contains("wrote"), trained.out());
        Run encoded = run("bpe", "encode", "--vocab", vocab.toString(), "--input", one.toString());
        assertEquals(0, encoded.status(), encoded.err());
        String[] ids = encoded.out().strip().split(" ");
        assertTrue(ids.length >= 1 && ids.length < "a red circle".length(), "merged tokens expected, got " + encoded.out());
    }

    @Test
    void mistakesAreUsageErrorsThatSayWhatWasExpected(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "\"fine\"\nnot json\n");
        Run r = run("bpe", "encode", "--gpt2", GPT2.toString(), "--input", bad.toString(), "--jsonl");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("line 2 is not a JSON string literal"), r.err());
        r = run("bpe", "encode", "--input", bad.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("exactly one of --gpt2 DIR and --vocab FILE"), r.err());
        r = run("bpe", "frobnicate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("expected one of train, encode"), r.err());
        r = run("bpe", "encode", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("--jsonl"), r.out());
    }
}
