package dev.tessel.models.data;

/**
 * Spatial relations of two-object captions, "a A &lt;relation&gt; a B". The relation is read from
 * the centroids: the axis with the larger centroid offset decides, its sign the direction.
 * Invariant: the generator places the objects so that the deciding offset exceeds the other
 * axis' offset by several pixels, whatever the two shapes, so the reading never depends on
 * rounding.
 */
public enum Relation {
    ABOVE("above"), BELOW("below"), LEFT_OF("left of"), RIGHT_OF("right of");

    private final String words;

    Relation(String words) {
        this.words = words;
    }

    /** The caption phrase, one or two words. */
    public String words() {
        return words;
    }

    /** True when the relation separates the objects vertically. */
    public boolean vertical() {
        return this == ABOVE || this == BELOW;
    }

    /** The relation of an object at (ax, ay) to one at (bx, by), image y pointing down. */
    public static Relation between(double ax, double ay, double bx, double by) {
        double dx = bx - ax;
        double dy = by - ay;
        if (Math.abs(dy) >= Math.abs(dx)) return dy > 0 ? ABOVE : BELOW;
        return dx > 0 ? LEFT_OF : RIGHT_OF;
    }

    /** Parses "above", "below", "left of" or "right of". */
    public static Relation parse(String words) {
        for (Relation r : values()) if (r.words.equals(words)) return r;
        throw new IllegalArgumentException("unknown relation '" + words + "': expected above, below, left of or right of");
    }
}
