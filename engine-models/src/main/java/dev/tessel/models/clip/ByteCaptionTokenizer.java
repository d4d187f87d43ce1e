// ByteCaptionTokenizer: ids are the UTF-8 bytes of the lowercased caption followed by an end token.
//
// Invariant: ids 0..255 are bytes, 256 is the end token; a caption longer than the context keeps
// its first contextLength-1 bytes and still ends in the end token.
package dev.tessel.models.clip;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Byte-level tokenizer: needs no training, so the reranker can be trained before any BPE exists. */
final class ByteCaptionTokenizer implements CaptionTokenizer {
    private static final int END = 256;
    private final int contextLength;

    ByteCaptionTokenizer(int contextLength) {
        if (contextLength < 2) throw new IllegalArgumentException("ByteCaptionTokenizer: context length must be >= 2, got " + contextLength);
        this.contextLength = contextLength;
    }

    @Override public int vocabSize() { return END + 1; }

    @Override public int contextLength() { return contextLength; }

    @Override public int endToken() { return END; }

    @Override public String name() { return "bytes"; }

    @Override
    public int[] encode(String caption) {
        if (caption == null || caption.isBlank()) throw new IllegalArgumentException("ByteCaptionTokenizer: empty caption; give the text of a prompt");
        byte[] utf8 = caption.strip().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        int n = Math.min(utf8.length, contextLength - 1);
        int[] ids = new int[n + 1];
        for (int i = 0; i < n; i++) ids[i] = utf8[i] & 0xFF;
        ids[n] = END;
        return ids;
    }

    @Override public String toString() { return "bytes(context " + contextLength + ")"; }
}
