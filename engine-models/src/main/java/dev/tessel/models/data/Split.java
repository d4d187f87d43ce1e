package dev.tessel.models.data;

/**
 * Which part of a data set a reader serves.
 *
 * <p>Invariant: nothing a model trains on (dVAE, transformer, reranker) may come from
 * {@link #TEST} or {@link #HELD_OUT}. For {@code shapes}, {@code HELD_OUT} is the zero-shot set:
 * every example contains one of the held-out colour-shape pairs, which {@code TRAIN} and
 * {@code TEST} never contain. Data sets without compositions to hold out (Fashion-MNIST, an
 * image folder) serve their test images for both {@code TEST} and {@code HELD_OUT}.
 */
public enum Split {
    /** What training may see. */
    TRAIN,
    /** Unseen examples of the training distribution (seen compositions, fresh images). */
    TEST,
    /** Never shown in training; for shapes, the held-out colour-shape pairs (zero-shot test). */
    HELD_OUT;

    /** Parses {@code train}, {@code test} or {@code held-out} (case-insensitive). */
    public static Split parse(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "train" -> TRAIN;
            case "test" -> TEST;
            case "held-out", "heldout", "held_out" -> HELD_OUT;
            default -> throw new IllegalArgumentException("unknown split '" + text + "': expected train, test or held-out");
        };
    }

    /** The spelling {@link #parse} accepts. */
    public String label() {
        return this == HELD_OUT ? "held-out" : name().toLowerCase(java.util.Locale.ROOT);
    }
}
