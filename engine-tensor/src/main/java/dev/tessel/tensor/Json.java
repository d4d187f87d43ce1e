package dev.tessel.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON (RFC 8259) parser and compact writer, with no dependencies.
 *
 * <p>Value mapping, both ways: object = {@code LinkedHashMap<String,Object>} (key order kept),
 * array = {@code List<Object>}, string = String, true/false = Boolean, null = null, number =
 * Long when the literal has no fraction or exponent and fits in a long, else Double. The parser
 * is strict: no comments, no trailing commas, no leading zeros, no control characters inside
 * strings, nothing but whitespace after the value, and a repeated key in one object is an error
 * (a safetensors header with two entries of one name must not silently keep the last). Every
 * error is an IllegalArgumentException giving the character position and what was expected.
 * Nesting deeper than {@link #MAX_DEPTH} is rejected, so hostile input cannot overflow the stack.
 */
public final class Json {
    /** Deepest nesting of arrays and objects the parser accepts. */
    public static final int MAX_DEPTH = 512;

    private final String text;
    private int pos;
    private final StringBuilder scratch = new StringBuilder();

    private Json(String text) { this.text = text; }

    /** Parses one JSON value filling all of {@code text} (surrounding whitespace allowed). */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.skipWhitespace();
        Object value = p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) throw p.error("end of input after the value");
        return value;
    }

    // ---------------------------------------------------------------- parser

    private Object value(int depth) {
        if (pos >= text.length()) throw error("a value");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("a value");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        if (depth > MAX_DEPTH) throw error("nesting no deeper than " + MAX_DEPTH);
        pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            if (peek() != '"') throw error("a string key");
            int keyPos = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value(depth);
            if (map.containsKey(key)) {
                throw new IllegalArgumentException("JSON: duplicate key \"" + key + "\" at position " + keyPos);
            }
            map.put(key, v);
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == '}') return map;
            if (c != ',') {
                pos--;
                throw error("',' or '}'");
            }
            skipWhitespace();
        }
    }

    private List<Object> array(int depth) {
        if (depth > MAX_DEPTH) throw error("nesting no deeper than " + MAX_DEPTH);
        pos++;
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            list.add(value(depth));
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == ']') return list;
            if (c != ',') {
                pos--;
                throw error("',' or ']'");
            }
            skipWhitespace();
        }
    }

    private String string() {
        pos++;
        int start = pos;
        // Fast path: most strings hold no escape, so one substring is the whole cost.
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '"') return text.substring(start, pos++);
            if (c == '\\' || c < 0x20) break;
            pos++;
        }
        StringBuilder sb = scratch;
        sb.setLength(0);
        sb.append(text, start, pos);
        while (true) {
            if (pos >= text.length()) throw error("'\"' closing the string that starts at position " + (start - 1));
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) throw error("an escaped control character (raw U+" + hex4(c) + " inside a string)");
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            if (pos + 1 >= text.length()) throw error("an escape character after '\\'");
            char e = text.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                // A surrogate pair arrives as two \\u escapes; appending each UTF-16 unit in turn
                // rebuilds the pair exactly.
                case 'u' -> sb.append(hexEscape());
                default -> {
                    pos -= 1;
                    throw error("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
                }
            }
        }
    }

    private char hexEscape() {
        if (pos + 4 > text.length()) throw error("four hex digits after \\u");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos), 16);
            if (d < 0) throw error("a hex digit in \\u escape");
            v = v * 16 + d;
            pos++;
        }
        return (char) v;
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            while (isDigit(peek())) pos++;
        } else {
            throw error("a digit");
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) throw error("a digit after the decimal point");
            while (isDigit(peek())) pos++;
        }
        char c = peek();
        if (c == 'e' || c == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw error("a digit in the exponent");
            while (isDigit(peek())) pos++;
        }
        String literal = text.substring(start, pos);
        if (integral && pos - start <= 20) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException overflow) {
                // Does not fit in a long: falls through to a Double, as documented.
            }
        }
        return Double.parseDouble(literal);
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) throw error("'" + word + "'");
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) throw error("'" + c + "'");
        pos++;
    }

    /** The current character, or U+FFFF at the end (never a legal structural character). */
    private char peek() { return pos < text.length() ? text.charAt(pos) : '\uFFFF'; }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
            pos++;
        }
    }

    private IllegalArgumentException error(String expected) {
        String found;
        if (pos >= text.length()) {
            found = "end of input";
        } else {
            char c = text.charAt(pos);
            found = c >= 0x20 && c < 0x7F ? "'" + c + "'" : "U+" + hex4(c);
        }
        return new IllegalArgumentException("JSON: expected " + expected + " at position " + pos + ", found " + found);
    }

    private static String hex4(int c) {
        String h = Integer.toHexString(c).toUpperCase();
        return "0".repeat(4 - h.length()) + h;
    }

    // ---------------------------------------------------------------- writer

    /**
     * Compact JSON for {@code value}: Map (String keys), List or Object[], String, Boolean,
     * null, and Number (Byte/Short/Integer/Long as integers, Float/Double finite only).
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("JSON write: nesting deeper than " + MAX_DEPTH + " (a cycle?)");
        switch (value) {
            case null -> sb.append("null");
            case String s -> writeString(sb, s);
            case Boolean b -> sb.append(b.booleanValue());
            case Long _, Integer _, Short _, Byte _ -> sb.append(((Number) value).longValue());
            case Double _, Float _ -> {
                double d = ((Number) value).doubleValue();
                if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON write: " + d + " has no JSON form");
                // Float's own shortest decimal, so 0.1f is written "0.1", not 0.10000000149011612.
                sb.append(value instanceof Float f ? Float.toString(f) : Double.toString(d));
            }
            case Map<?, ?> map -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("JSON write: object key " + e.getKey() + " is not a String");
                    }
                    if (!first) sb.append(',');
                    first = false;
                    writeString(sb, key);
                    sb.append(':');
                    write(sb, e.getValue(), depth + 1);
                }
                sb.append('}');
            }
            case List<?> list -> writeArray(sb, list, depth);
            case Object[] array -> writeArray(sb, Arrays.asList(array), depth);
            default -> throw new IllegalArgumentException("JSON write: cannot write a " + value.getClass().getName());
        }
    }

    private static void writeArray(StringBuilder sb, List<?> list, int depth) {
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) sb.append(',');
            write(sb, list.get(i), depth + 1);
        }
        sb.append(']');
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u").append(hex4(c));
                    } else if (Character.isSurrogate(c) && !isPairedSurrogate(s, i)) {
                        // A lone surrogate has no UTF-8 encoding; the escape keeps it lossless.
                        sb.append("\\u").append(hex4(c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static boolean isPairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
