package dev.tessel.models.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The held-out rule of the {@code shapes} data set: six colour-shape pairs that no training
 * caption or image ever contains, kept for the zero-shot composition test.
 *
 * <p>Invariant: {@link #HELD_OUT_PAIRS} is the only place the rule is written; the generator, the
 * split tests and docs/data-shapes.md all follow it. Every colour and every shape still occurs in
 * training (each in other pairs), so a held-out pair is a new combination of known words.
 */
public final class ShapesVocabulary {
    /** red triangle, blue circle, yellow square, green star, purple triangle, white circle. */
    public static final List<Pair> HELD_OUT_PAIRS = List.of(
            new Pair(ShapeColor.RED, ShapeKind.TRIANGLE),
            new Pair(ShapeColor.BLUE, ShapeKind.CIRCLE),
            new Pair(ShapeColor.YELLOW, ShapeKind.SQUARE),
            new Pair(ShapeColor.GREEN, ShapeKind.STAR),
            new Pair(ShapeColor.PURPLE, ShapeKind.TRIANGLE),
            new Pair(ShapeColor.WHITE, ShapeKind.CIRCLE));

    /** The 22 pairs training may use, in colour-major order. */
    public static final List<Pair> SEEN_PAIRS;

    /** All 28 pairs, in colour-major order. */
    public static final List<Pair> ALL_PAIRS;

    static {
        List<Pair> all = new ArrayList<>();
        List<Pair> seen = new ArrayList<>();
        for (ShapeColor c : ShapeColor.values()) {
            for (ShapeKind k : ShapeKind.values()) {
                Pair p = new Pair(c, k);
                all.add(p);
                if (!HELD_OUT_PAIRS.contains(p)) seen.add(p);
            }
        }
        ALL_PAIRS = List.copyOf(all);
        SEEN_PAIRS = List.copyOf(seen);
    }

    private ShapesVocabulary() {}

    /** A colour with a shape, e.g. "red triangle". */
    public record Pair(ShapeColor color, ShapeKind shape) {
        public boolean heldOut() {
            return HELD_OUT_PAIRS.contains(this);
        }

        @Override
        public String toString() {
            return color.word() + " " + shape.word();
        }
    }

    public static boolean isHeldOut(ShapeColor color, ShapeKind shape) {
        return HELD_OUT_PAIRS.contains(new Pair(color, shape));
    }
}
