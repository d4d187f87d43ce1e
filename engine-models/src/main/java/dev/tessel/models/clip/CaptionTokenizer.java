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
}
