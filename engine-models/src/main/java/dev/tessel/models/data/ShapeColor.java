package dev.tessel.models.data;

import java.util.Locale;

/**
 * The seven colours of the {@code shapes} data set and the exact RGB each is drawn with.
 *
 * <p>Invariant: the palette and {@link #BACKGROUND} are pairwise at least 0.45 apart in RGB
 * (Euclidean, channels in [0, 1]), so a nearest-colour reading of a pixel is never ambiguous on a
 * clean render; changing a colour means re-checking that distance (ShapesDatasetTest does).
 */
public enum ShapeColor {
    RED(0.85, 0.05, 0.15),
    GREEN(0.10, 0.75, 0.15),
    BLUE(0.15, 0.30, 0.95),
    YELLOW(0.95, 0.95, 0.15),
    PURPLE(0.60, 0.15, 0.80),
    ORANGE(1.00, 0.50, 0.00),
    WHITE(1.00, 1.00, 1.00);

    /** Dark gray: none of the seven colours. */
    public static final double[] BACKGROUND = {0.18, 0.18, 0.18};

    private final double r;
    private final double g;
    private final double b;

    ShapeColor(double r, double g, double b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    /** {r, g, b} in [0, 1]. */
    public double[] rgb() {
        return new double[] {r, g, b};
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ShapeColor parse(String word) {
        for (ShapeColor c : values()) if (c.word().equals(word)) return c;
        throw new IllegalArgumentException("unknown colour '" + word + "': expected red, green, blue, yellow, purple, orange or white");
    }
}
