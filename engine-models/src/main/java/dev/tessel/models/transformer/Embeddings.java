// Embeddings: the input of the transformer: text tokens plus a 1-D text position, image tokens
// plus a row and a column embedding (DESIGN.md 3), concatenated into one stream.
//
// Invariant: the stream is [text positions 0..L-1, image positions 0..N-1] with image position p
// at grid cell (p / grid, p % grid); every id is checked against its table before lookup, so a
// wrong id fails here with its position rather than as an out-of-range read in a kernel.
package dev.tessel.models.transformer;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Embedding;
import dev.tessel.autograd.nn.Module;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/** Token and position embeddings of the text and image streams. */
public final class Embeddings extends Module {
    private final TransformerConfig config;
    private final Embedding textTokens, textPositions, imageTokens, imageRows, imageColumns;

    Embeddings(TransformerConfig c, RandomGenerator rng) {
        this.config = c;
        this.textTokens = registerModule("text_tokens", new Embedding(c.textTableRows(), c.dModel(), rng));
        this.textPositions = registerModule("text_positions", new Embedding(c.textLength(), c.dModel(), rng));
        this.imageTokens = registerModule("image_tokens", new Embedding(c.imageVocab(), c.dModel(), rng));
        this.imageRows = registerModule("image_rows", new Embedding(c.grid(), c.dModel(), rng));
        this.imageColumns = registerModule("image_columns", new Embedding(c.grid(), c.dModel(), rng));
        for (var p : parameters()) Initialization.normal(p, Initialization.STD, rng);
    }

    static long parameterCount(TransformerConfig c) {
        return Shapes.table(c.textTableRows(), c.dModel()) + Shapes.table(c.textLength(), c.dModel())
                + Shapes.table(c.imageVocab(), c.dModel()) + 2 * Shapes.table(c.grid(), c.dModel());
    }

    /** text [B, L] and image [B, N'] ids (N' <= N image tokens, from position 0) -> [B, L + N', d]. */
    public Variable forward(Tensor text, Tensor image) {
        checkIds("text", text, config.textLength(), config.textTableRows());
        Variable textPart = Ops.add(textTokens.forward(text), textPositions.forward(positions(0, config.textLength())));
        if (image.dim(1) == 0) return textPart;
        return Ops.concat(List.of(textPart, image(image, 0)), 1);
    }

    /** Image ids [B, n] standing at image positions first .. first+n-1 -> [B, n, d]. */
    public Variable image(Tensor image, int first) {
        checkIds("image", image, config.imageTokens() - first, config.imageVocab());
        int n = image.dim(1);
        int[] rows = new int[n], columns = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = (first + i) / config.grid();
            columns[i] = (first + i) % config.grid();
        }
        Variable where = Ops.add(imageRows.forward(Tensor.ofInts(rows, n)), imageColumns.forward(Tensor.ofInts(columns, n)));
        return Ops.add(imageTokens.forward(image), where);
    }

    private static Tensor positions(int first, int count) {
        int[] p = new int[count];
        for (int i = 0; i < count; i++) p[i] = first + i;
        return Tensor.ofInts(p, count);
    }

    private static void checkIds(String what, Tensor ids, int maxLength, int vocab) {
        if (ids.rank() != 2 || (ids.dtype() != DType.I64 && ids.dtype() != DType.I32) || ids.dim(1) > maxLength) {
            throw new IllegalArgumentException("Embeddings: " + what + " ids must be I32/I64 [batch, at most " + maxLength + "], got "
                    + ids.dtype() + ids.shape());
        }
        for (long i = 0; i < ids.numel(); i++) {
            long id = ids.getLong(i);
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("Embeddings: " + what + " id " + id + " at [" + i / ids.dim(1) + ", " + i % ids.dim(1)
                        + "] is outside its vocabulary [0, " + vocab + ")");
            }
        }
    }
}
