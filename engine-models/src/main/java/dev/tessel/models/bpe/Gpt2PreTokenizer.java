// Gpt2PreTokenizer: GPT-2's split of text into words before byte-pair merging,
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// with the meaning of \s that gpt-3-encoder's JavaScript regex (flag u) gives it.
//
// Invariant: the words of a text concatenate back to the text exactly (every char lands in one
// word), so no input is lost before merging. \s is spelled out as ECMAScript's White_Space +
// LineTerminator set, because Java's \s is ASCII only and Python's differs (U+0085, U+FEFF, U+001C..1F).
package dev.tessel.models.bpe;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits text into GPT-2 pre-tokens. Stateless and thread-safe. */
public final class Gpt2PreTokenizer {
    /** ECMAScript \s: tab, LF, VT, FF, CR, space, NBSP, U+1680, U+2000..200A, LS, PS, U+202F, U+205F, U+3000, BOM. */
    private static final String SPACE = "\\t\\n\\u000B\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";

    private static final Pattern WORD = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + SPACE + "\\p{L}\\p{N}]+|[" + SPACE + "]+(?![^" + SPACE + "])|[" + SPACE + "]+");

    private Gpt2PreTokenizer() {}

    /** The words of {@code text} in order; empty for the empty string. */
    public static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        int end = 0;
        while (m.find()) {
            if (m.start() != end) throw new IllegalStateException("Gpt2PreTokenizer: no pattern matched at char " + end + " of the text");
            words.add(m.group());
            end = m.end();
        }
        if (end != text.length()) throw new IllegalStateException("Gpt2PreTokenizer: no pattern matched at char " + end + " of the text");
        return words;
    }
}
