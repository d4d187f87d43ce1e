package dev.tessel.models.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The caption grammar of the {@code shapes} data set, both ways (write and parse):
 * <pre>
 *   caption  = "a" [size] color shape                          one object
 *            | "a" color shape relation "a" color shape        two objects
 *   size     = "small" | "large"
 *   color    = "red" | "green" | "blue" | "yellow" | "purple" | "orange" | "white"
 *   shape    = "circle" | "square" | "triangle" | "star"
 *   relation = "above" | "below" | "left of" | "right of"
 * </pre>
 * Invariant: {@code parse(c.text())} equals {@code c} for every caption, and {@link #parse}
 * accepts nothing outside the grammar (words are separated by single spaces after trimming and
 * lower-casing; anything else is an error naming the caption and what was expected).
 */
public record ShapesCaption(List<Phrase> objects, Relation relation) {
    /** One object of a caption; {@code size} is null when the caption does not say it. */
    public record Phrase(SizeClass size, ShapeColor color, ShapeKind shape) {
        public boolean heldOut() {
            return ShapesVocabulary.isHeldOut(color, shape);
        }
    }

    public ShapesCaption {
        objects = List.copyOf(objects);
        if (objects.isEmpty() || objects.size() > 2) throw new IllegalArgumentException("a caption names 1 or 2 objects, got " + objects.size());
        if (objects.size() == 1 && relation != null) throw new IllegalArgumentException("a one-object caption has no relation");
        if (objects.size() == 2 && relation == null) throw new IllegalArgumentException("a two-object caption needs a relation");
        if (objects.size() == 2 && (objects.get(0).size() != null || objects.get(1).size() != null)) {
            throw new IllegalArgumentException("two-object captions carry no size words");
        }
    }

    public static ShapesCaption one(SizeClass sizeOrNull, ShapeColor color, ShapeKind shape) {
        return new ShapesCaption(List.of(new Phrase(sizeOrNull, color, shape)), null);
    }

    public static ShapesCaption two(ShapeColor colorA, ShapeKind shapeA, Relation relation, ShapeColor colorB, ShapeKind shapeB) {
        return new ShapesCaption(List.of(new Phrase(null, colorA, shapeA), new Phrase(null, colorB, shapeB)), relation);
    }

    /**
     * This caption with one object (chosen at random) drawn as another shape whose pair with the
     * object's colour is a seen one (never a held-out pair): its "shape twin", a caption that
     * differs by a shape alone. Null when that colour has no other seen shape.
     */
    public ShapesCaption shapeTwin(java.util.random.RandomGenerator random) {
        int which = random.nextInt(objects.size());
        Phrase phrase = objects.get(which);
        List<ShapeKind> others = new ArrayList<>();
        for (ShapeKind k : ShapeKind.values()) if (k != phrase.shape() && !ShapesVocabulary.isHeldOut(phrase.color(), k)) others.add(k);
        if (others.isEmpty()) return null;
        List<Phrase> changed = new ArrayList<>(objects);
        changed.set(which, new Phrase(phrase.size(), phrase.color(), others.get(random.nextInt(others.size()))));
        return new ShapesCaption(changed, relation);
    }

    /**
     * This two-object caption with the objects' colours swapped ("a red circle left of a blue
     * square" -> "a blue circle left of a red square"): its "binding twin", a caption with the same
     * words that only the pairing of colour and shape tells apart. Null for one object, for two of
     * one colour, or when a swapped pair would be a held-out one.
     */
    public ShapesCaption colourSwapTwin() {
        if (objects.size() != 2 || objects.get(0).color() == objects.get(1).color()) return null;
        Phrase a = objects.get(0), b = objects.get(1);
        Phrase swappedA = new Phrase(a.size(), b.color(), a.shape()), swappedB = new Phrase(b.size(), a.color(), b.shape());
        if (swappedA.heldOut() || swappedB.heldOut()) return null;
        return new ShapesCaption(List.of(swappedA, swappedB), relation);
    }

    /** True when any object of the caption is a held-out colour-shape pair. */
    public boolean containsHeldOutPair() {
        return objects.stream().anyMatch(Phrase::heldOut);
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        appendPhrase(sb, objects.get(0));
        if (relation != null) {
            sb.append(' ').append(relation.words()).append(' ');
            appendPhrase(sb, objects.get(1));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text();
    }

    private static void appendPhrase(StringBuilder sb, Phrase p) {
        sb.append("a ");
        if (p.size() != null) sb.append(p.size().word()).append(' ');
        sb.append(p.color().word()).append(' ').append(p.shape().word());
    }

    /** Parses a caption of the grammar above; the error names the caption and the bad word. */
    public static ShapesCaption parse(String caption) {
        List<String> words = Arrays.asList(caption.trim().toLowerCase(Locale.ROOT).split(" "));
        Cursor cursor = new Cursor(caption, words);
        List<Phrase> objects = new ArrayList<>();
        objects.add(cursor.phrase(true));
        Relation relation = null;
        if (!cursor.done()) {
            relation = cursor.relation();
            objects.add(cursor.phrase(false));
        }
        if (!cursor.done()) throw cursor.error("end of caption");
        if (relation != null && objects.get(0).size() != null) {
            throw new IllegalArgumentException("caption '" + caption + "': two-object captions carry no size words");
        }
        return new ShapesCaption(objects, relation);
    }

    /** Walks the words of one caption, turning each mismatch into a message with its position. */
    private static final class Cursor {
        private final String caption;
        private final List<String> words;
        private int at;

        Cursor(String caption, List<String> words) {
            this.caption = caption;
            this.words = words;
        }

        boolean done() {
            return at == words.size();
        }

        Phrase phrase(boolean sizeAllowed) {
            expect("a");
            SizeClass size = null;
            if (sizeAllowed && !done() && (peek().equals("small") || peek().equals("large"))) size = SizeClass.parse(next("a size"));
            ShapeColor color = word("a colour", ShapeColor::parse);
            ShapeKind shape = word("a shape", ShapeKind::parse);
            return new Phrase(size, color, shape);
        }

        Relation relation() {
            String first = next("a relation");
            if (first.equals("left") || first.equals("right")) {
                String of = next("'of' after '" + first + "'");
                if (!of.equals("of")) throw error("'of' after '" + first + "'");
                return Relation.parse(first + " of");
            }
            return word(first, "a relation (above, below, left of, right of)", Relation::parse);
        }

        private void expect(String word) {
            String got = next("'" + word + "'");
            if (!got.equals(word)) {
                at--;
                throw error("'" + word + "'");
            }
        }

        private <T> T word(String expected, java.util.function.Function<String, T> parser) {
            return word(next(expected), expected, parser);
        }

        private <T> T word(String word, String expected, java.util.function.Function<String, T> parser) {
            try {
                return parser.apply(word);
            } catch (IllegalArgumentException e) {
                at--;
                throw error(expected);
            }
        }

        private String peek() {
            return words.get(at);
        }

        private String next(String expected) {
            if (done()) throw error(expected);
            return words.get(at++);
        }

        IllegalArgumentException error(String expected) {
            String found = done() ? "the end of the caption" : "'" + words.get(at) + "' (word " + (at + 1) + ")";
            return new IllegalArgumentException("shapes caption '" + caption + "': expected " + expected + " but found " + found);
        }
    }
}
