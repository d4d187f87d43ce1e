package dev.tessel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Json: value mapping, every escape, strictness with positioned messages, writer escaping, and
 * the two real files the project parses (GPT-2's encoder.json and the BPE golden cases).
 */
class JsonTest {
    private static final Path BPE = Path.of("src/test/resources/golden/bpe");

    @Test
    void mapsValuesToJavaTypesKeepingKeyOrder() {
        Object v = Json.parse(" {\"z\": 1, \"a\": [true, false, null, -0, 2.5, 1e3, \"s\"], \"m\": {}} ");
        Map<?, ?> m = assertInstanceOf(LinkedHashMap.class, v);
        assertEquals(List.of("z", "a", "m"), new ArrayList<>(m.keySet()));
        assertEquals(1L, m.get("z"));
        List<?> a = (List<?>) m.get("a");
        assertEquals(Boolean.TRUE, a.get(0));
        assertEquals(Boolean.FALSE, a.get(1));
        assertNull(a.get(2));
        assertEquals(0L, a.get(3));
        assertEquals(2.5, a.get(4));
        assertEquals(1000.0, a.get(5));
        assertEquals("s", a.get(6));
        assertEquals(Map.of(), m.get("m"));
    }

    @Test
    void integersThatFitAreLongsOthersDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse(Long.toString(Long.MAX_VALUE)));
        assertEquals(Long.MIN_VALUE, Json.parse(Long.toString(Long.MIN_VALUE)));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
        assertEquals(1e30, Json.parse("1000000000000000000000000000000"));
        assertEquals(-1.5e-7, Json.parse("-1.5E-7"));
        assertEquals(3.0, Json.parse("3.0"));
    }

    @Test
    void decodesEveryEscapeIncludingSurrogatePairs() {
        String parsed = (String) Json.parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u65E5 \\ud83d\\ude00\"");
        assertEquals("q\" b\\ s/ \b\f\n\r\t é 日 😀", parsed);
        assertEquals("😀".codePointAt(0), parsed.codePointAt(parsed.length() - 2));
        assertEquals("héllo 日本 😀", Json.parse("\"héllo 日本 😀\""));
    }

    @Test
    void writerEscapesAndRoundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "a\"b\\c\n\t\u0001é😀");
        m.put("lone", "x\ud800y");
        m.put("nums", List.of(1L, -2, 0.5, 1e-5f, 1e300));
        m.put("flags", new Object[] {true, null});
        String json = Json.write(m);
        assertEquals("{\"text\":\"a\\\"b\\\\c\\n\\t\\u0001é😀\",\"lone\":\"x\\uD800y\","
                + "\"nums\":[1,-2,0.5,1.0E-5,1.0E300],\"flags\":[true,null]}", json);
        Map<?, ?> back = (Map<?, ?>) Json.parse(json);
        assertEquals(m.get("text"), back.get("text"));
        assertEquals(m.get("lone"), back.get("lone"));
        assertEquals(List.of(1L, -2L, 0.5, 1e-5, 1e300), back.get("nums"));
        assertEquals(Arrays.asList(true, null), back.get("flags"));
    }

    @Test
    void writerRejectsWhatJsonCannotHold() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN)).getMessage().contains("NaN"));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new java.util.Date()));
    }

    @Test
    void malformedInputNamesPositionAndExpectation() {
        assertError("", "expected a value at position 0, found end of input");
        assertError("{\"a\" 1}", "expected ':' at position 5");
        assertError("[1,]", "expected a value at position 3");
        assertError("[1 2]", "expected ',' or ']' at position 3");
        assertError("{\"a\":1,}", "expected a string key at position 7");
        assertError("{\"a\":1 \"b\":2}", "expected ',' or '}' at position 7");
        assertError("01", "expected end of input after the value at position 1");
        assertError("-", "expected a digit at position 1");
        assertError("1.", "expected a digit after the decimal point at position 2");
        assertError("1e+", "expected a digit in the exponent at position 3");
        assertError("tru", "expected 'true' at position 0");
        assertError("\"abc", "closing the string that starts at position 0");
        assertError("\"a\u0001\"", "raw U+0001 inside a string");
        assertError("\"\\x\"", "\\uXXXX at position 2, found 'x'");
        assertError("\"\\u12G4\"", "a hex digit in \\u escape at position 5");
        assertError("{\"k\":1,\"k\":2}", "duplicate key \"k\" at position 7");
        assertError("[1] x", "expected end of input after the value at position 4");
        assertError("[".repeat(Json.MAX_DEPTH + 1), "nesting no deeper than " + Json.MAX_DEPTH);
    }

    private static void assertError(String text, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void parsesGpt2EncoderExactly() throws IOException {
        String text = Files.readString(BPE.resolve("encoder.json"), StandardCharsets.UTF_8);
        Map<?, ?> encoder = (Map<?, ?>) Json.parse(text);
        // The ids are a permutation of 0..size-1 and <|endoftext|> is the last one.
        boolean[] seen = new boolean[encoder.size()];
        for (Object id : encoder.values()) seen[(int) (long) (Long) id] = true;
        for (boolean s : seen) assertTrue(s);
        assertEquals((long) encoder.size() - 1, encoder.get("<|endoftext|>"));
        // Ids 0..255 are GPT-2's byte alphabet in bytes_to_unicode() order: the printable bytes
        // map to themselves, the other bytes to U+0100 upward. Built here from that rule.
        List<Integer> printable = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) printable.add(b);
        for (int b = 0xA1; b <= 0xAC; b++) printable.add(b);
        for (int b = 0xAE; b <= 0xFF; b++) printable.add(b);
        int next = 0x100;
        List<Integer> alphabet = new ArrayList<>(printable);
        for (int b = 0; b < 256; b++) if (!printable.contains(b)) alphabet.add(next++);
        for (int id = 0; id < 256; id++) {
            assertEquals((long) id, encoder.get(String.valueOf((char) (int) alphabet.get(id))), "byte symbol " + id);
        }
        assertEquals(encoder, Json.parse(Json.write(encoder)), "write then parse gives the same map");
    }

    @Test
    void bpeCasesKeepNonAsciiTextThroughWriteAndParse() throws IOException {
        String text = Files.readString(BPE.resolve("bpe_cases.json"), StandardCharsets.UTF_8);
        Map<?, ?> doc = (Map<?, ?>) Json.parse(text);
        List<?> cases = (List<?>) doc.get("cases");
        int nonAscii = 0;
        for (Object c : cases) {
            String t = (String) ((Map<?, ?>) c).get("text");
            if (t.chars().anyMatch(ch -> ch > 127)) nonAscii++;
        }
        assertTrue(nonAscii > 0, "the case file is expected to hold non-ASCII text");
        assertEquals(doc, Json.parse(Json.write(doc)));
        // Every non-ASCII code point of the raw file survives parsing (none is ever escaped there).
        String all = Json.write(doc);
        text.codePoints().filter(cp -> cp > 127).distinct()
                .forEach(cp -> assertTrue(all.contains(Character.toString(cp)), "lost U+" + Integer.toHexString(cp)));
    }
}
