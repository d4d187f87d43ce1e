package dev.tessel.models.data;

import java.util.Locale;

/**
 * The four shapes of the {@code shapes} data set. Invariant: {@link #word()} is the caption word
 * and is unique, so {@link #parse} inverts it.
 */
public enum ShapeKind {
    CIRCLE, SQUARE, TRIANGLE, STAR;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ShapeKind parse(String word) {
        for (ShapeKind k : values()) if (k.word().equals(word)) return k;
        throw new IllegalArgumentException("unknown shape '" + word + "': expected circle, square, triangle or star");
    }
}
