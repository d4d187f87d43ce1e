// BpeCaptionTokenizer: the project's byte-level BPE (the transformer's tokenizer) behind the
// reranker's tokenizer seam, with one extra id appended as the end token.
//
// Invariant: the end token is bpe.vocabSize() (one past the BPE's own ids), and name() carries a
// fingerprint of the vocabulary and merges, so a checkpoint trained with one BPE is never
// reloaded with another.
package dev.tessel.models.clip;

import dev.tessel.models.bpe.BpeTokenizer;
import java.util.Arrays;

/** Reranker captions as BPE ids + end token; no dropout (the reranker scores exact captions). */
final class BpeCaptionTokenizer implements CaptionTokenizer {
    private final BpeTokenizer bpe;
    private final int contextLength;
    private final String name;

    BpeCaptionTokenizer(BpeTokenizer bpe, int contextLength) {
        if (contextLength < 2) throw new IllegalArgumentException("BpeCaptionTokenizer: context length must be >= 2, got " + contextLength);
        this.bpe = bpe;
        this.contextLength = contextLength;
        this.name = fingerprint(bpe);
    }

    /** "bpe-" + the vocabulary size + a hash of its tokens and merges. */
    static String fingerprint(BpeTokenizer bpe) {
        int h = 17;
        for (int id = 0; id < bpe.vocabSize(); id++) h = 31 * h + bpe.token(id).hashCode();
        h = 31 * h + bpe.merges().hashCode();
        return "bpe-" + bpe.vocabSize() + "-" + Integer.toHexString(h);
    }

    @Override public int vocabSize() { return bpe.vocabSize() + 1; }

    @Override public int contextLength() { return contextLength; }

    @Override public int endToken() { return bpe.vocabSize(); }

    @Override public String name() { return name; }

    @Override
    public int[] encode(String caption) {
        if (caption == null || caption.isBlank()) throw new IllegalArgumentException("BpeCaptionTokenizer: empty caption; give the text of a prompt");
        int[] ids = bpe.encode(caption.strip());
        int n = Math.min(ids.length, contextLength - 1);
        int[] out = Arrays.copyOf(ids, n + 1);
        out[n] = endToken();
        return out;
    }

    @Override public String toString() { return name + "(context " + contextLength + ")"; }
}
