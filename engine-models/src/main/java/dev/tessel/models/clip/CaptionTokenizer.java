// CaptionTokenizer: the one seam between the reranker's text encoder and a tokenizer (today the
// byte-level stand-in below, the project's BPE once it is wired in).
//
// Invariant: encode returns at most contextLength() ids, each in [0, vocabSize()), and its last id
// is endToken(): the text encoder reads the caption's features at that position, so the end token
// must survive truncation.
package dev.tessel.models.clip;

/** Turns a caption into the token ids the reranker's text encoder reads. */
public interface CaptionTokenizer {
    /** Number of distinct ids (the text encoder's embedding rows). */
    int vocabSize();

    /** Longest id sequence encode returns, the end token included. */
    int contextLength();

    /** The id that closes every encoded caption. */
    int endToken();

    /** A short name stored in checkpoints, so a reranker is never reloaded with another tokenizer. */
    String name();

    /** Lowercased caption -> ids ending in {@link #endToken()}, truncated to {@link #contextLength()}. */
    int[] encode(String caption);

    /** The byte-level stand-in: UTF-8 bytes of the lowercased caption, then end token 256. */
    static CaptionTokenizer bytes(int contextLength) { return new ByteCaptionTokenizer(contextLength); }

    /** The project's BPE (shared with the transformer), plus an end token. */
    static CaptionTokenizer bpe(dev.tessel.models.bpe.BpeTokenizer bpe, int contextLength) { return new BpeCaptionTokenizer(bpe, contextLength); }

    /**
     * The tokenizer a checkpoint names: "bytes", or the BPE given (when its fingerprint matches);
     * anything else is an error saying which vocabulary the checkpoint needs.
     */
    static CaptionTokenizer forCheckpoint(String name, int contextLength, dev.tessel.models.bpe.BpeTokenizer bpeOrNull) {
        if (name.equals("bytes")) return bytes(contextLength);
        if (bpeOrNull != null && BpeCaptionTokenizer.fingerprint(bpeOrNull).equals(name)) return bpe(bpeOrNull, contextLength);
        throw new IllegalArgumentException("the reranker checkpoint was trained with tokenizer " + name + "; "
                + (bpeOrNull == null ? "pass the BPE vocabulary it was trained with (--bpe FILE)"
                        : "the BPE given is " + BpeCaptionTokenizer.fingerprint(bpeOrNull) + ", another vocabulary"));
    }
}
