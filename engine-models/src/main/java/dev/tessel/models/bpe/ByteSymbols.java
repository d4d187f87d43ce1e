// ByteSymbols: GPT-2's bytes_to_unicode table, which gives each of the 256 byte values one
// printable character, so a byte string can be handled (split, merged, stored in JSON) as text.
//
// Invariant: the table is a bijection between bytes 0..255 and 256 chars, all in the Basic
// Multilingual Plane and none of them a space, so a symbol string is one char per byte and a space
// can separate the two halves of a merge ("Ġ t" in vocab.bpe).
package dev.tessel.models.bpe;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Text <-> UTF-8 bytes <-> byte symbols, the alphabet byte-level BPE works in. */
public final class ByteSymbols {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        // GPT-2: the printable Latin-1 bytes stand for themselves; the other 68 bytes take the
        // chars 256, 257, ... in byte order.
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteSymbols() {}

    /** The symbol of one byte (0..255). */
    public static char symbol(int unsignedByte) { return BYTE_TO_CHAR[unsignedByte]; }

    /** The byte a symbol stands for, or -1 when the char is not a byte symbol. */
    public static int byteOf(char symbol) { return symbol < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[symbol] : -1; }

    /**
     * UTF-8 bytes of {@code text}, where an unpaired surrogate becomes U+FFFD (EF BF BD), as the
     * WHATWG TextEncoder that gpt-3-encoder uses does (Java's getBytes would write '?').
     */
    public static byte[] utf8(String text) {
        StringBuilder clean = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                    : !Character.isLowSurrogate(c) || (i > 0 && Character.isHighSurrogate(text.charAt(i - 1)));
            if (!paired && clean == null) clean = new StringBuilder(text.substring(0, i));
            if (clean != null) clean.append(paired ? c : '\uFFFD');
        }
        return (clean == null ? text : clean.toString()).getBytes(StandardCharsets.UTF_8);
    }

    /** The symbol string of {@code text}'s UTF-8 bytes: one char per byte. */
    public static String toSymbols(String text) {
        byte[] bytes = utf8(text);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /** The bytes a symbol string stands for; a char that is not a byte symbol is an error naming it. */
    public static byte[] toBytes(CharSequence symbols) {
        byte[] out = new byte[symbols.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(symbols.charAt(i));
            if (b < 0) {
                throw new IllegalArgumentException("BPE: the token text '" + symbols + "' holds U+" + String.format("%04X", (int) symbols.charAt(i))
                        + ", which is not one of GPT-2's 256 byte symbols");
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /**
     * Text from UTF-8 bytes, with invalid sequences replaced by U+FFFD (a token boundary can cut a
     * multi-byte character, so a prefix of ids may decode to a partial character).
     */
    public static String decodeUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("UTF-8 decoding with REPLACE cannot fail", e);
        }
    }
}
